// Child-side steps that only OCI bundles ask for: namespaces joined by path, a time namespace
// with offsets, hooks run in the container's namespaces, a working directory made when missing,
// the command checked before `create` returns, the wait for `start`. noexcept, allocation-free.
#pragma once

#include <vector>

#include "plan/plan.h"
#include "util/child_error.h"

namespace nucleus::process {

ChildError child_join_namespaces(const plan::Plan& p) noexcept;
ChildError child_time_namespace(const plan::Plan& p) noexcept;
// Each hook with the state JSON (state_fd, -1: none) on its stdin; the first failure stops.
ChildError child_run_hooks(const std::vector<plan::ChildHook>& hooks, int state_fd) noexcept;
// One of the command's candidates is an executable file (so that `create` can say it is not).
ChildError child_check_command(const plan::Plan& p) noexcept;
// Blocks until `start` connects to the start socket and sends its byte; answers it.
ChildError child_wait_start(const plan::Plan& p) noexcept;
// umask and personality.
ChildError child_process_basics(const plan::Plan& p) noexcept;

}  // namespace nucleus::process
