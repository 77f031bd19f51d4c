// Parent-side diagnostics on stderr. Never used in the child (see process/child_*.cc).
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <utility>

namespace nucleus::log {

enum class Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

Level level();
void set_level(Level l);
// Also append every line of at most `level()` to `path` (runc's --log), as text or as JSON
// objects {"level", "msg", "time"} (--log-format json), which the engines read back for errors.
bool set_file(const char* path, bool json);
void write(Level l, std::string_view line);

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::kWarn) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::kDebug) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}

// Milliseconds since the process started (CLOCK_MONOTONIC), for --debug phase timings.
double elapsed_ms();

}  // namespace nucleus::log
