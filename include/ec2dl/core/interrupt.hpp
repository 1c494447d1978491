#pragma once

namespace ec2dl::core {

// Installs SIGINT/SIGTERM/SIGHUP handlers that only record the signal and write a byte to a
// self-pipe, and ignores SIGPIPE. Call once, early in main.
void install_interrupt_handlers();

// The signal that asked us to stop, or 0.
int interrupt_signal();
inline bool interrupted() {
  return interrupt_signal() != 0;
}

// Read end of the self-pipe: readable once an interrupt arrived (for poll loops).
int interrupt_fd();

// Forgets a recorded interrupt (for commands that treat Ctrl-C as a normal way out).
void clear_interrupt();

// Runs `fn` (async-signal-safe only) from the signal handler before it returns, e.g. to
// restore the terminal. Pass nullptr to remove.
void set_interrupt_hook(void (*fn)());

}  // namespace ec2dl::core
