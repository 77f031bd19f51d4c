// The egress guard's event loop (see net/guard.h), run by nucleus-nft --guard inside the
// container's network namespace.
#pragma once

#include <string>

#include "util/unique_fd.h"

namespace nucleus::net::guard {

// dir: the container's state directory. upstream: a UDP socket made in the host's namespace,
// from which the resolver asks the upstream servers. policy: the nftables batch of the egress
// policy, loaded first. ready: written "ready\n" (or one error line) once the guard serves.
// Returns only on a fatal error (its exit code).
int serve(UniqueFd dir, UniqueFd upstream, const std::string& policy, int ready);

}  // namespace nucleus::net::guard
