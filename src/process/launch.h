// Parent side of starting a container init: clone3 into new namespaces (and, on cgroup v2,
// straight into the container's cgroup), write ID maps, join v1 cgroups, release the child,
// and wait until it has executed the command or reported why it could not.
#pragma once

#include <sys/types.h>

#include <functional>

#include "plan/plan.h"
#include "process/syscall_trace.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::process {

struct Launched {
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd pty_master;                  // when plan.terminal
  UniqueFd seccomp_listener;            // when plan.seccomp_listener
  std::unique_ptr<SyscallTrace> trace;  // when plan.seccomp_trace
};

struct LaunchHooks {
  int cgroup_fd = -1;                          // CLONE_INTO_CGROUP target, or -1
  std::function<Result<>(pid_t)> join_cgroup;  // cgroup v1: add the pid before it runs
  // Parent-side work done while the child assembles its root (e.g. registering the state).
  std::function<Result<>(pid_t)> after_clone;
  // OCI: the state JSON the child's hooks read (a memfd, sent with the go-ahead), the
  // prestart and createRuntime hooks once the root is assembled (kPrepared), and `create`,
  // which returns once the child waits for `start` (kCreated) instead of at its execve.
  std::function<Result<UniqueFd>(pid_t)> hook_state;
  std::function<Result<>(pid_t)> before_pivot;
  // plan.audit_mounts: the init's mounts, checked before its command runs.
  std::function<Result<>(pid_t)> audit;
  bool until_created = false;
};

// On failure the child has been reaped and the Error carries the exit code to report
// (125 setup, 126 cannot execute, 127 not found).
Result<Launched> launch(plan::Plan& plan, const LaunchHooks& hooks);

}  // namespace nucleus::process
