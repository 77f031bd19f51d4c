// The container's init before execve: runs the plan, reports over the sync socket, never
// returns. Everything here is noexcept and allocation-free (see STYLE.md).
#pragma once

#include "plan/plan.h"

namespace nucleus::process {

// Exit codes of a child that could not execute the command (as docker run).
inline constexpr int kExitSetupFailed = 125;
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

[[noreturn]] void child_main(plan::Plan& plan, int sync_fd) noexcept;

}  // namespace nucleus::process
