// JSON text written by hand where nlohmann's serialiser would cost resident pages on every start
// (state.json, log lines): a quoted string, and UTF-8 repair (JSON readers refuse invalid
// UTF-8, and a workload may print anything).
#pragma once

#include <string>
#include <string_view>

namespace nucleus::json_text {

// Valid UTF-8: each byte that starts no valid sequence becomes '?'.
std::string valid_utf8(std::string_view text);
// "text", with '"', '\\' and control characters escaped, invalid UTF-8 repaired.
std::string quote(std::string_view text);

}  // namespace nucleus::json_text
