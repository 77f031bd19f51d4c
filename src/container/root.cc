#include "container/root.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

namespace nucleus::container {
namespace {
std::string& override_dir() {
  static std::string dir;
  return dir;
}
}  // namespace

void set_state_root(std::string dir) {
  override_dir() = std::move(dir);
}

std::string state_root() {
  if (!override_dir().empty()) return override_dir();
  if (::geteuid() == 0) return "/run/nucleus";
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/nucleus";
  return fmt::format("/tmp/nucleus-{}", ::geteuid());
}

}  // namespace nucleus::container
