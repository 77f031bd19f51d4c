#include "fs/mount_audit.h"

#include <string>
#include <vector>

#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::fs {
namespace {

bool has(std::string_view options, std::string_view flag) {
  for (auto o : parse::split(options, ',')) {
    if (o == flag) return true;
  }
  return false;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Result<> audit_mountinfo(std::string_view text) {
  for (auto line : parse::split(text, '\n')) {
    if (line.empty()) continue;
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    std::vector<std::string_view> f;
    for (auto w : parse::split(line, ' ')) f.push_back(w);
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") dash++;
    if (f.size() < 6 || dash + 1 >= f.size())
      return fail_invalid("mount audit: unreadable mountinfo line '{}'", line);
    std::string root = unescape(f[3]), point = unescape(f[4]);
    std::string_view opts = f[5], fstype = f[dash + 1];
    auto missing = [&](const char* flag) {
      return fail_invalid("mount audit: {} ({}) is not {}; refusing to start", point, fstype, flag);
    };
    if (point == "/" && !has(opts, "ro")) return missing("ro");
    if (!has(opts, "nosuid")) return missing("nosuid");
    bool device_node = fstype == "devtmpfs" && root != "/";
    if (!has(opts, "nodev") && fstype != "devpts" && !device_node && point != "/dev")
      return missing("nodev");
    if (has(opts, "rw") && !has(opts, "noexec") && !device_node) return missing("noexec");
  }
  return {};
}

Result<> audit_mounts(pid_t pid) {
  std::string text = TRY(read_file(fmt::format("/proc/{}/mountinfo", pid)));
  return audit_mountinfo(text);
}

}  // namespace nucleus::fs
