// /proc/PID/mountinfo, parsed: what the mount audit, checkpoints and inspect read of a mount
// table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace nucleus::fs {

struct MountEntry {
  std::string device;  // MAJ:MIN of the filesystem
  std::string root;    // the directory of that filesystem mounted here
  std::string point;   // where, in the reader's root
  std::string options, fstype, source, super_options;
};

// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER, with mountinfo's
// \ooo escapes undone; a line that does not have that shape is an error.
Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text);

bool has_option(std::string_view options, std::string_view flag);

}  // namespace nucleus::fs
