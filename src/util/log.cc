#include "util/log.h"

#include <time.h>
#include <unistd.h>

#include <string>

namespace nucleus::log {
namespace {
Level g_level = Level::kWarn;

double now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
const double g_start = now_ms();
}  // namespace

double elapsed_ms() {
  return now_ms() - g_start;
}

Level level() {
  return g_level;
}
void set_level(Level l) {
  g_level = l;
}

void write(Level l, std::string_view line) {
  static constexpr const char* kPrefix[] = {
      "nucleus: ", "nucleus: warning: ", "nucleus: ", "nucleus: debug: "};
  std::string out = kPrefix[static_cast<int>(l)];
  out.append(line);
  out.push_back('\n');
  // One write, so lines from concurrent processes do not interleave.
  (void)!::write(STDERR_FILENO, out.data(), out.size());
}

}  // namespace nucleus::log
