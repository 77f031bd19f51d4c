// Which cgroup hierarchies the host has: pure v2, pure v1, or hybrid (v1 controllers plus a
// cgroup2 mount, usually at /sys/fs/cgroup/unified).
#pragma once

#include <map>
#include <string>

#include "util/result.h"

namespace nucleus::cgroup {

enum class Mode { kV2, kV1, kHybrid, kNone };

struct Layout {
  Mode mode = Mode::kNone;
  std::string v2_root;                    // the cgroup2 mount (v2 and hybrid)
  std::map<std::string, std::string> v1;  // controller -> its hierarchy's mount point
  // Test-only: control files are created on write (a plain directory stands in for cgroupfs).
  bool fake = false;
};

// Reads the host's layout under `base` (default /sys/fs/cgroup).
Layout detect(const std::string& base = "/sys/fs/cgroup");
const char* mode_name(Mode m);

}  // namespace nucleus::cgroup
