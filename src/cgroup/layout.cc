#include "cgroup/layout.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include <array>
#include <climits>
#include <cstdlib>

namespace nucleus::cgroup {
namespace {

long fs_type(const std::string& path) {
  struct statfs st {};
  return ::statfs(path.c_str(), &st) == 0 ? static_cast<long>(st.f_type) : 0;
}

}  // namespace

Layout detect(const std::string& base) {
  Layout l;
  long t = fs_type(base);
  if (t == CGROUP2_SUPER_MAGIC) {
    l.mode = Mode::kV2;
    l.v2_root = base;
    return l;
  }
  if (t != TMPFS_MAGIC) return l;
  // v1: each entry under base that is a cgroup mount names its controllers ("cpu,cpuacct" or a
  // symlink "cpu" to it); statfs follows such symlinks, which the host set up.
  static constexpr std::array<const char*, 6> kControllers = {"memory", "cpu",   "cpuacct",
                                                              "pids",   "blkio", "freezer"};
  for (const char* c : kControllers) {
    std::string dir = base + "/" + c;
    if (fs_type(dir) != CGROUP_SUPER_MAGIC) continue;
    // Co-mounted controllers ("cpu" and "cpuacct" -> "cpu,cpuacct") share one real root.
    char real[PATH_MAX];
    l.v1[c] = ::realpath(dir.c_str(), real) != nullptr ? std::string(real) : dir;
  }
  for (const char* u : {"unified", "systemd"}) {
    std::string dir = base + "/" + u;
    if (fs_type(dir) == CGROUP2_SUPER_MAGIC) l.v2_root = dir;
  }
  if (!l.v1.empty()) l.mode = l.v2_root.empty() ? Mode::kV1 : Mode::kHybrid;
  return l;
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kV2:
      return "v2";
    case Mode::kV1:
      return "v1";
    case Mode::kHybrid:
      return "hybrid";
    case Mode::kNone:
      return "none";
  }
  return "?";
}

}  // namespace nucleus::cgroup
