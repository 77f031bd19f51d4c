// What the monitor loop moves while the workload runs: a pty relay to the caller's terminal
// (foreground) or the workload's output into its log (detached).
#pragma once

#include <poll.h>

namespace nucleus::process {

class IoPump {
 public:
  static constexpr int kSlots = 3;
  virtual ~IoPump() = default;
  // Fills kSlots pollfd entries (fd -1 for an unused one).
  virtual void poll_fds(pollfd* slots) const = 0;
  virtual void pump(const pollfd* slots) = 0;
  // After the workload exited: moves what is still buffered.
  virtual void drain() = 0;
  // The caller's terminal changed size (SIGWINCH).
  virtual void resize() const {}
};

}  // namespace nucleus::process
