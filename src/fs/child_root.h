// Child side of root filesystem assembly: clones the host sources, builds the new root from the
// plan's operations, and pivots into it. noexcept, allocation-free.
#pragma once

#include "plan/plan.h"
#include "util/child_error.h"

namespace nucleus::fs {

// Runs in the container's fresh mount namespace; on success the process's root is the new
// root, and no host mount is reachable.
ChildError child_build_root(plan::Plan& plan) noexcept;
// The same in two steps, for OCI hooks that run between them: the root assembled at the
// plan's stage directory (its descriptor in *root_fd), then pivot_root into it.
ChildError child_prepare_root(plan::Plan& plan, int* root_fd) noexcept;
ChildError child_enter_root(const plan::Plan& plan, int root_fd) noexcept;

}  // namespace nucleus::fs
