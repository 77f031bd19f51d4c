#include "fs/mount_audit.h"

#include "fs/mountinfo.h"
#include "util/fs.h"

namespace nucleus::fs {

Result<> audit_mountinfo(std::string_view text) {
  auto mounts = parse_mountinfo(text);
  if (!mounts) return fail_invalid("mount audit: {}", mounts.error().what());
  for (const auto& m : *mounts) {
    auto missing = [&](const char* flag) {
      return fail_invalid("mount audit: {} ({}) is not {}; refusing to start", m.point, m.fstype,
                          flag);
    };
    if (m.point == "/" && !has_option(m.options, "ro")) return missing("ro");
    if (!has_option(m.options, "nosuid")) return missing("nosuid");
    bool device_node = m.fstype == "devtmpfs" && m.root != "/";
    if (!has_option(m.options, "nodev") && m.fstype != "devpts" && !device_node &&
        m.point != "/dev")
      return missing("nodev");
    if (has_option(m.options, "rw") && !has_option(m.options, "noexec") && !device_node)
      return missing("noexec");
  }
  return {};
}

Result<> audit_mounts(pid_t pid) {
  std::string text = TRY(read_file(fmt::format("/proc/{}/mountinfo", pid)));
  return audit_mountinfo(text);
}

}  // namespace nucleus::fs
