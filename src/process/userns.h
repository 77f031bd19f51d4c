// User namespaces made for their mappings alone: the idmapping of an idmapped mount is a user
// namespace, held by a descriptor once its short-lived first process has gone.
#pragma once

#include <string>
#include <vector>

#include "spec/oci.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::process {

// "CONTAINER HOST SIZE\n" per range, as uid_map and gid_map take them.
std::string id_map_lines(const std::vector<spec::IdMap>& maps);

// A new user namespace with these mappings (written by this process, which needs CAP_SETUID
// and CAP_SETGID over the host IDs), as an O_RDONLY descriptor of its nsfs file.
Result<UniqueFd> user_namespace_with(const std::vector<spec::IdMap>& uid_map,
                                     const std::vector<spec::IdMap>& gid_map);

}  // namespace nucleus::process
