// Idmapped bind mounts (config.json mounts with uidMappings/gidMappings, or "idmap"/"ridmap"):
// made by the runtime's own process, before the container's, because setting an idmapping
// takes privilege over the source's filesystem, which a process in the container's user
// namespace does not have. The child then only attaches the detached mount (as runc 1.2 does).
#pragma once

#include <vector>

#include "plan/plan.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::fs {

// For every idmapped kBind of the plan: its source cloned (open_tree), with its attributes and
// the idmapping set, into op.src_fd. The descriptors are returned too: the caller keeps them
// open until the child has its copies, then closes them.
Result<std::vector<UniqueFd>> open_idmapped_sources(plan::Plan& p);

}  // namespace nucleus::fs
