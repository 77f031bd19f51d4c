// `nucleus cp`: files and directories between the host and a running container, as docker cp.
// Paths inside the container are resolved beneath its root (/proc/<init>/root) with openat2:
// a symlink anywhere in the path, or a path leading outside, is refused, never followed.
// Inside copied trees, symlinks are copied as links and nothing else is followed.
#pragma once

#include <string>

#include "container/state.h"
#include "util/result.h"

namespace nucleus::container {

Result<> copy_in(const Store& store, const std::string& id, const std::string& host_src,
                 const std::string& container_dst);
Result<> copy_out(const Store& store, const std::string& id, const std::string& container_src,
                  const std::string& host_dst);

}  // namespace nucleus::container
