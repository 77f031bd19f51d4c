// Removes what a nucleus that died without cleaning up left behind: the container's cgroups
// (and any process still in them), its state directory, its name.
#pragma once

#include <string>
#include <vector>

#include "container/state.h"
#include "util/result.h"

namespace nucleus::container {

// Collects every container whose owner is gone; returns their IDs.
Result<std::vector<std::string>> gc(Store& store);
// Collects one container (its owner must be gone).
Result<> collect(Store& store, const std::string& id);

}  // namespace nucleus::container
