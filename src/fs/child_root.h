// Child side of root filesystem assembly: clones the host sources, builds the new root from the
// plan's operations, and pivots into it. noexcept, allocation-free.
#pragma once

#include "plan/plan.h"
#include "util/child_error.h"

namespace nucleus::fs {

// Runs in the container's fresh mount namespace; on success the process's root is the new
// root, and no host mount is reachable.
ChildError child_build_root(plan::Plan& plan) noexcept;

}  // namespace nucleus::fs
