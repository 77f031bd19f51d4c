// The egress guard's event loop (see net/guard.h), run by nucleus-nft --guard inside the
// container's network namespace.
#pragma once

#include "util/unique_fd.h"

namespace nucleus::net::guard {

// dir: the container's state directory. upstream: a UDP socket made in the host's namespace,
// from which the resolver asks the upstream servers. ready: written "ready\n" (or one error
// line) once the guard serves. Returns only on a fatal error (its exit code).
int serve(UniqueFd dir, UniqueFd upstream, int ready);

}  // namespace nucleus::net::guard
