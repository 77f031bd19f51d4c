// The egress guard's event loop (see net/guard.h), run by nucleus-nft --guard inside the
// container's network namespace.
#pragma once

#include <string>

#include "util/unique_fd.h"

namespace nucleus::net::guard {

// What the parent made for a guard in the host's namespace (a gVisor sandbox's): the nflog
// socket, bound to a free group, and the resolver's socket on the gateway. Empty: the guard
// binds group 1 and 127.0.0.11:53 in the container's namespace.
struct Given {
  UniqueFd nflog, resolver;
};

// dir: the container's state directory. upstream: a UDP socket made in the host's namespace,
// from which the resolver asks the upstream servers. policy: the nftables batch of the egress
// policy, loaded first. ready: written "ready\n" (or one error line) once the guard serves.
// Returns only on a fatal error (its exit code).
int serve(UniqueFd dir, UniqueFd upstream, Given given, const std::string& policy, int ready);

}  // namespace nucleus::net::guard
