#pragma once

#include <libssh/libssh.h>

#include <memory>

#include "ec2dl/util/handle.hpp"

namespace ec2dl::ssh {

// libssh's handles, each owned from the line the C call returns it (util::CHandle).
using util::CDeleter;
using util::CHandle;

using SessionHandle = CHandle<ssh_session, ssh_free>;
using ChannelHandle = CHandle<ssh_channel, ssh_channel_free>;
using EventHandle = CHandle<ssh_event, ssh_event_free>;
using KeyHandle = CHandle<ssh_key, ssh_key_free>;

inline void free_ssh_string(char* s) {
  ssh_string_free_char(s);
}
using SshString = std::unique_ptr<char, CDeleter<free_ssh_string>>;

inline void free_known_hosts_entry(ssh_knownhosts_entry* e) {
  ssh_knownhosts_entry_free(e);
}
using KnownHostsEntryHandle =
    std::unique_ptr<ssh_knownhosts_entry, CDeleter<free_known_hosts_entry>>;

}  // namespace ec2dl::ssh
