#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ec2dl::remote {

// One part of a monitoring script's output: a "MARKER NAME [ARG...]" line and the lines up to
// the next marker line.
struct Section {
  std::string name;
  std::vector<std::string> args;
  std::string body;  // each line ends in '\n'
};

// The lines of remote output without their line ends ("\n", "\r\n"); a final line end adds
// no empty line.
std::vector<std::string_view> lines(std::string_view text);

// Splits script output into sections. The marker is a random word chosen per call, so no
// line the server prints (a process name, a file name) can pass for a marker line. Text
// before the first marker is ignored.
std::vector<Section> split_sections(std::string_view text, std::string_view marker);

// The first section called `name`, or nullptr.
const Section* find_section(const std::vector<Section>& sections, std::string_view name);

// The body of the first section called `name`, or "" when there is none.
std::string_view section_body(const std::vector<Section>& sections, std::string_view name);

}  // namespace ec2dl::remote
