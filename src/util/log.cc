#include "util/log.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <string>

namespace nucleus::log {
namespace {
Level g_level = Level::kWarn;
int g_file = -1;
bool g_json = false;

std::string json_escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void write_file_line(Level l, std::string_view line) {
  static constexpr const char* kName[] = {"error", "warning", "info", "debug"};
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  ::gmtime_r(&ts.tv_sec, &utc);
  char when[40];
  ::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out =
      g_json ? fmt::format("{{\"level\":\"{}\",\"msg\":\"{}\",\"time\":\"{}.{:09d}Z\"}}\n",
                           kName[static_cast<int>(l)], json_escaped(line), when, ts.tv_nsec)
             : fmt::format("time=\"{}Z\" level={} msg=\"{}\"\n", when, kName[static_cast<int>(l)],
                           json_escaped(line));
  (void)!::write(g_file, out.data(), out.size());
}

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

bool set_file(const char* path, bool json) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  if (g_file >= 0) ::close(g_file);
  g_file = fd;
  g_json = json;
  return true;
}

void write(Level l, std::string_view line) {
  static constexpr const char* kPrefix[] = {
      "nucleus: ", "nucleus: warning: ", "nucleus: ", "nucleus: debug: "};
  std::string out = kPrefix[static_cast<int>(l)];
  out.append(line);
  out.push_back('\n');
  // One write, so lines from concurrent processes do not interleave.
  (void)!::write(STDERR_FILENO, out.data(), out.size());
  if (g_file >= 0) write_file_line(l, line);
}

}  // namespace nucleus::log
