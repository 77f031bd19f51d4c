// Capability names <-> numbers (pure data, usable from spec/ and tests).
#pragma once

#include <optional>
#include <string_view>

namespace nucleus::security {

// Accepts "NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE", any case.
std::optional<int> capability_from_name(std::string_view name);
std::string_view capability_name(int cap);
inline constexpr int kLastKnownCap = 40;  // CAP_CHECKPOINT_RESTORE

}  // namespace nucleus::security
