// Starting one container init, shared by the foreground run and the detached monitor: the
// cgroup, the plan, and the launch.
#pragma once

#include <functional>
#include <memory>

#include "cgroup/manager.h"
#include "net/attach.h"
#include "process/launch.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::container {

// The container's cgroup, or none: an unprivileged caller without a delegated hierarchy runs
// without one unless it asked for limits.
Result<std::unique_ptr<cgroup::Manager>> make_cgroup(const spec::Spec& s);

struct StartOptions {
  int stdio[3] = {-1, -1, -1};  // the workload's stdin/stdout/stderr; -1 inherits ours
  // Parent-side work done while the init assembles its root (registering the state).
  std::function<Result<>(pid_t)> after_clone;
  net::Attachment* network = nullptr;  // bridge mode: plugged in after after_clone
  // A native checkpoint's directory (verified): its tree is restored instead of a new start.
  std::string restore_from;
};

// Builds the plan and launches the init into `cg` (may be null), or restores it from
// o.restore_from; returns once the command runs, or the error with the exit code to report
// (125/126/127).
Result<process::Launched> start(const spec::Spec& s, cgroup::Manager* cg, const StartOptions& o);

// Kills what is left in the cgroup and removes it; logs a failure.
void destroy_cgroup(cgroup::Manager* cg);

}  // namespace nucleus::container
