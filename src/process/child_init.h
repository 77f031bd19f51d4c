// --init (and --service-mode production): the container's PID 1 is nucleus's own small init,
// and the command runs as its child, as `docker run --init` (tini) does. The init reaps every
// process that ends up its child, passes on the signals sent to it (not those the terminal
// sent the whole foreground group), and exits with the command's status (128+N for signal N),
// which ends the container. Child side: no allocation.
#pragma once

#include "plan/plan.h"
#include "util/child_error.h"

namespace nucleus::process {

// Returns in the command's process; the init never returns.
ChildError child_fork_init(const plan::Plan& p) noexcept;

}  // namespace nucleus::process
