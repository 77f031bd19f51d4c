// An HMAC-SHA256 over a checkpoint directory, so that a restore refuses images that were changed
// after nucleus wrote them. The key is <state>/checkpoint.key (32 random bytes, 0600, made on
// first use); copying it to another host lets that host restore this one's checkpoints.
#pragma once

#include <string>

#include "util/result.h"

namespace nucleus::checkpoint {

constexpr const char* kSignatureFile = "checkpoint.hmac";

// Signs every regular file of dir (a flat directory) into dir/checkpoint.hmac.
Result<> sign(const std::string& dir, const std::string& state_root);
// Recomputes and compares; a missing signature, an extra, missing or changed file, a symlink or
// a subdirectory is refused.
Result<> verify(const std::string& dir, const std::string& state_root);

}  // namespace nucleus::checkpoint
