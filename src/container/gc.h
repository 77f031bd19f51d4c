// Removes what a nucleus that died without cleaning up left behind: the container's cgroups
// (and any process still in them), its state directory, its name. Containers that exited
// normally under a detached monitor stay (as docker keeps them) until `rm`.
#pragma once

#include <string>
#include <vector>

#include "container/state.h"
#include "util/result.h"

namespace nucleus::container {

// Collects every container whose monitor is gone; returns their IDs.
Result<std::vector<std::string>> gc(Store& store);

}  // namespace nucleus::container
