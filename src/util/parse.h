// Parsers for the values users type: sizes, CPU counts, numbers, durations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "util/result.h"

namespace nucleus::parse {

// "512", "512k", "64m", "1.5g" (binary multiples, as docker) -> bytes.
Result<uint64_t> size(std::string_view s);
// Unsigned decimal integer within [min, max].
Result<uint64_t> uint(std::string_view s, uint64_t min, uint64_t max);
// "1.5" -> 1500 (millicores); at most three decimals.
Result<uint64_t> millis(std::string_view s);
// A duration in milliseconds: "30" (seconds), "1.5s", "500ms", "2m", "1h", "1m30s" (Go's units,
// as docker's --health-interval, but ns and us).
Result<uint64_t> duration_ms(std::string_view s);

std::vector<std::string_view> split(std::string_view s, char sep);
// The views point into the argument: splitting a temporary string (read_file(...).value_or(""))
// would leave them dangling once the full expression ends, as in a range-for's initializer.
template <class T>
requires std::is_same_v<T, std::string>
void split(T&& temporary, char sep) = delete;
// The blank-separated words of a line (spaces and tabs; empty words dropped). No iostreams: in a
// static binary their locale setup alone costs ~1 MiB of resident pages at every start.
std::vector<std::string_view> words(std::string_view line);
template <class T>
requires std::is_same_v<T, std::string>
void words(T&& temporary) = delete;
// s without trailing newlines and spaces.
std::string_view trim_end(std::string_view s);
// The last non-empty line of a program's output (its error, usually), trimmed.
std::string_view last_line(std::string_view text);

}  // namespace nucleus::parse
