// The documents the OCI runtime prints: `features` (runtime-spec features.md) and `spec` (a
// default config.json, with nucleus's seccomp allowlist).
#pragma once

#include <string>

namespace nucleus::container::oci {

std::string features();
std::string default_config(bool rootless);

}  // namespace nucleus::container::oci
