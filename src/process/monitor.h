// The foreground monitor: forwards signals to the container init, relays the pty, enforces the
// timeout, and collects the exit status.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>

#include "process/io_pump.h"
#include "process/launch.h"
#include "util/result.h"

namespace nucleus::process {

// Signals that reach the workload when sent to nucleus (plus SIGWINCH for the pty).
const sigset_t& forwarded_signals();
// Blocks the forwarded signals so none is lost between clone and the monitor loop; the child
// unblocks them before execve.
Result<> block_forwarded_signals();

struct MonitorOptions {
  uint64_t timeout_seconds = 0;
  // Called once, after the loop has had nothing to do for idle_ms (a detached monitor trims
  // its memory there, when everything start-up touched is behind it).
  std::function<void()> on_idle;
  int idle_ms = 1000;
  // Delivers a forwarded signal (default: pidfd_send_signal to the child).
  std::function<void(int)> forward;
};

struct ExitStatus {
  int code = 0;  // exit code, or 128+N when killed by signal N (as docker run)
  bool timed_out = false;
};

// `io` (optional) is pumped until the workload exits, then drained.
Result<ExitStatus> monitor(Launched& child, const MonitorOptions& opts, IoPump* io);

}  // namespace nucleus::process
