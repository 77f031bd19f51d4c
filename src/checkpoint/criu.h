// CRIU, for checkpoints of native containers: found at fixed paths (root-owned, writable only by
// root) and checked with `criu check` once per boot (the answer cached in the state directory).
// CRIU older than 4.1 fails on kernels from 6.13 (their vDSO layout changed): that is reported
// with what is needed, not attempted.
#pragma once

#include <string>

#include "util/result.h"

namespace nucleus::checkpoint {

// The path of a CRIU that works on this kernel, or an error saying what is missing.
Result<std::string> working_criu(const std::string& state_root);

}  // namespace nucleus::checkpoint
