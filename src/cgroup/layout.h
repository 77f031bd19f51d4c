// Which cgroup hierarchies the host has: pure v2, pure v1, or hybrid (v1 controllers plus a
// cgroup2 mount, usually at /sys/fs/cgroup/unified).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace nucleus::cgroup {

enum class Mode { kV2, kV1, kHybrid, kNone };

struct Layout {
  Mode mode = Mode::kNone;
  std::string v2_root;                    // the cgroup2 mount (v2 and hybrid)
  std::map<std::string, std::string> v1;  // controller -> its hierarchy's mount point
  // Test-only: control files are created on write (a plain directory stands in for cgroupfs).
  bool fake = false;
  // v1: every hierarchy under base by its directory name ("cpu,cpuacct", "devices",
  // "systemd"), with its mount point and mount options ("cpu,cpuacct", "name=systemd"); and the
  // symlinks there ("cpu" -> "cpu,cpuacct"). OCI containers get a cgroup in each.
  struct Hierarchy {
    std::string name, mount, options;
  };
  std::vector<Hierarchy> v1_all = {};
  std::vector<std::pair<std::string, std::string>> v1_links = {};
};

// Reads the host's layout under `base` (default /sys/fs/cgroup).
Layout detect(const std::string& base = "/sys/fs/cgroup");
const char* mode_name(Mode m);

}  // namespace nucleus::cgroup
