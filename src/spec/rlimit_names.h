// RLIMIT_* names of the OCI format <-> resource numbers (pure data).
#pragma once

#include <optional>
#include <string_view>

namespace nucleus::spec {

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE.
std::optional<int> rlimit_from_name(std::string_view name);
// "" for an unknown resource.
std::string_view rlimit_name(int resource);

}  // namespace nucleus::spec
