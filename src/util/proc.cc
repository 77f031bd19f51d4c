#include "util/proc.h"

#include <climits>

#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::proc {

std::optional<Stat> Stat::read(pid_t pid) {
  auto text = fs::read_file(fmt::format("/proc/{}/stat", pid));
  if (!text) return std::nullopt;
  size_t rp = text->rfind(')');
  if (rp == std::string::npos || rp + 2 > text->size()) return std::nullopt;
  Stat s;
  for (auto f : parse::split(std::string_view(*text).substr(rp + 2), ' '))
    s.fields_.emplace_back(f);
  return s;
}

std::string_view Stat::field(size_t n) const {
  return n >= 3 && n - 3 < fields_.size() ? std::string_view(fields_[n - 3]) : "";
}

std::vector<pid_t> children(pid_t pid) {
  std::vector<pid_t> out;
  auto tasks = fs::list_dir(fmt::format("/proc/{}/task", pid));
  if (!tasks) return out;
  for (const auto& t : *tasks) {
    auto text = fs::read_file(fmt::format("/proc/{}/task/{}/children", pid, t));
    if (!text) continue;
    for (auto word : parse::words(*text)) {
      if (auto child = parse::uint(word, 1, INT_MAX)) out.push_back(static_cast<pid_t>(*child));
    }
  }
  return out;
}

}  // namespace nucleus::proc
