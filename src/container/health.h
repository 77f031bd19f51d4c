// Health and readiness checks of a running container, run by its monitor (foreground or -d)
// on a thread of their own while the main thread waits for the init.
//
// Readiness first (--readiness-exec CMD: the command succeeds inside; --readiness-tcp PORT: a
// connection to 127.0.0.1:PORT in the container's network namespace is accepted), tried every
// 100 ms until it passes, or --readiness-sd-notify: the service says READY=1 itself (its other
// messages are relayed to systemd); then on_ready (READY=1 to systemd). Health next (--health-cmd
// CMD, as docker's CMD-SHELL: `/bin/sh -c CMD` through `nucleus exec`), every interval, each check
// killed past its timeout. Failures during the start period do not count; `retries`
// consecutive ones after it mark the container unhealthy, and it is stopped (TERM, KILL after
// 10 s) so that its restart policy decides what follows. Both go into the state (ps, inspect).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "container/state.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::container {

struct HealthConfig {
  std::string cmd;  // empty: no health check
  uint64_t interval_ms = 30000, timeout_ms = 30000, start_period_ms = 0;
  int retries = 3;
};

struct ReadinessConfig {
  std::string exec;        // a shell command inside, or
  int tcp_port = 0;        // a TCP port on the container's loopback, or
  bool sd_notify = false;  // the service's own READY=1 to its NOTIFY_SOCKET
  bool any() const { return !exec.empty() || tcp_port != 0 || sd_notify; }
};

struct Checks {
  HealthConfig health;
  ReadinessConfig readiness;
  bool any() const { return !health.cmd.empty() || readiness.any(); }
};

// One run's checks: started once the init runs, stopped (and joined) when it has exited.
class CheckRunner {
 public:
  // init_pidfd and notify_fd (-1 without --readiness-sd-notify) are borrowed; they must
  // outlive the runner.
  CheckRunner(Store& store, std::string id, const Checks& checks, int init_pidfd, int notify_fd,
              std::function<void()> on_ready);
  ~CheckRunner();
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;
  // True once the runner stopped the container for failing its health checks.
  bool stopped_unhealthy() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --readiness-sd-notify: the service's NOTIFY_SOCKET, an abstract socket in the container's
// network namespace (no file to mount, reachable from inside only), bound while the init waits
// to run the command, so that no message is lost.
std::string notify_socket_name(const std::string& id);
Result<UniqueFd> bind_notify_socket(pid_t init, const std::string& id);

// The State fields a start resets: health "starting", readiness "waiting" (when configured).
void reset_checks(const Checks& checks, State& s);

}  // namespace nucleus::container
