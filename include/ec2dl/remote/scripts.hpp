#pragma once

// Every embedded remote sh script as a constant: remote::scripts::job_launch,
// remote::scripts::xfer_put, ... (generated from src/remote/scripts/*.sh at build time).
#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/scripts_generated.hpp"
