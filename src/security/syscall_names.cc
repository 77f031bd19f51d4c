#include "security/syscall_names.h"

#include <algorithm>
#include <array>
#include <utility>

namespace nucleus::security::seccomp {
namespace {

struct Entry {
  std::string_view name;
  int nr;
};

constexpr Entry kTable[] = {
#include "security/syscall_table.inc"
};

// Sorted by name once: lookups of a whole profile are a binary search each.
const std::array<Entry, std::size(kTable)>& by_name() {
  static const auto sorted = [] {
    std::array<Entry, std::size(kTable)> a;
    std::copy(std::begin(kTable), std::end(kTable), a.begin());
    std::sort(a.begin(), a.end(), [](const Entry& x, const Entry& y) { return x.name < y.name; });
    return a;
  }();
  return sorted;
}

}  // namespace

std::optional<int> syscall_number(std::string_view name) {
  const auto& t = by_name();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const Entry& e, std::string_view n) { return e.name < n; });
  if (it == t.end() || it->name != name) return std::nullopt;
  return it->nr;
}

std::string_view syscall_name(int nr) {
  for (const auto& e : kTable)
    if (e.nr == nr) return e.name;
  return {};
}

}  // namespace nucleus::security::seccomp
