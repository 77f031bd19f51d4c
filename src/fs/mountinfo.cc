#include "fs/mountinfo.h"

#include "util/parse.h"

namespace nucleus::fs {
namespace {

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

bool has_option(std::string_view options, std::string_view flag) {
  for (auto o : parse::split(options, ',')) {
    if (o == flag) return true;
  }
  return false;
}

Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text) {
  std::vector<MountEntry> out;
  for (auto line : parse::split(text, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string_view> f;
    for (auto w : parse::split(line, ' ')) f.push_back(w);
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") dash++;
    if (f.size() < 6 || dash + 2 >= f.size())
      return fail_invalid("unreadable mountinfo line '{}'", line);
    MountEntry e;
    e.device = f[2];
    e.root = unescape(f[3]);
    e.point = unescape(f[4]);
    e.options = f[5];
    e.fstype = f[dash + 1];
    e.source = unescape(f[dash + 2]);
    if (dash + 3 < f.size()) e.super_options = f[dash + 3];
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace nucleus::fs
