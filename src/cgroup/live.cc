#include "cgroup/live.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "cgroup/dir.h"
#include "cgroup/manager.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::cgroup {
namespace {

uint64_t number(const std::string& dir, const char* file) {
  auto s = fs::read_file(dir + "/" + file);
  if (!s) return 0;
  while (!s->empty() && (s->back() == '\n' || s->back() == ' ')) s->pop_back();
  return parse::uint(*s, 0, UINT64_MAX).value_or(0);
}

// "key value" lines (cpu.stat, cgroup.events): the value of key, if present.
std::optional<uint64_t> keyed(const std::string& dir, const char* file, std::string_view key) {
  auto s = fs::read_file(dir + "/" + file);
  if (!s) return std::nullopt;
  for (auto line : parse::split(*s, '\n')) {
    auto f = parse::split(line, ' ');
    if (f.size() != 2 || f[0] != key) continue;
    auto v = parse::uint(f[1], 0, UINT64_MAX);
    return v ? std::optional<uint64_t>(*v) : std::nullopt;
  }
  return std::nullopt;
}

void nap_ms(long ms) {
  timespec ts{0, ms * 1000 * 1000};
  ::nanosleep(&ts, nullptr);
}

}  // namespace

std::string Live::dir_of(const char* v1_controller) const {
  if (layout_.mode == Mode::kV2) return layout_.v2_root + path_;
  auto it = layout_.v1.find(v1_controller);
  return it == layout_.v1.end() ? std::string() : it->second + path_;
}

Result<UniqueFd> Live::clone_target() const {
  if (layout_.mode != Mode::kV2) return UniqueFd();
  return fs::open_dir(layout_.v2_root + path_);
}

Result<> Live::add(pid_t pid) const {
  for (const auto& root : roots_of(layout_)) {
    UniqueFd dir(::open((root + path_).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) continue;
    TRY(write_file(dir.get(), root + path_, "cgroup.procs", std::to_string(pid), false));
  }
  return {};
}

bool Live::frozen() const {
  std::string dir = dir_of("freezer");
  if (dir.empty()) return false;
  if (layout_.mode == Mode::kV2) return keyed(dir, "cgroup.events", "frozen").value_or(0) == 1;
  return fs::read_file(dir + "/freezer.state").value_or("").rfind("FROZEN", 0) == 0;
}

Result<> Live::freeze(bool frozen_wanted) const {
  std::string dir = dir_of("freezer");
  if (dir.empty()) return fail_invalid("this host has no freezer cgroup");
  UniqueFd fd = TRY(fs::open_dir(dir));
  if (layout_.mode == Mode::kV2) {
    TRY(write_file(fd.get(), dir, "cgroup.freeze", frozen_wanted ? "1" : "0", false));
  } else {
    TRY(write_file(fd.get(), dir, "freezer.state", frozen_wanted ? "FROZEN" : "THAWED", false));
  }
  // The kernel reports the state change asynchronously (v1: FREEZING until every task stops).
  for (int i = 0; i < 1000; i++) {
    if (frozen() == frozen_wanted) return {};
    nap_ms(2);
  }
  return fail_invalid("the cgroup {} did not {} in time", dir, frozen_wanted ? "freeze" : "thaw");
}

std::vector<pid_t> Live::pids() const {
  std::string dir = dir_of("pids");
  if (dir.empty()) dir = dir_of("memory");
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return {};
  auto out = read_pids(fd.get());
  std::sort(out.begin(), out.end());
  return out;
}

Usage Live::usage() const {
  Usage u;
  if (layout_.mode == Mode::kV2) {
    std::string d = layout_.v2_root + path_;
    u.cpu_usec = keyed(d, "cpu.stat", "usage_usec").value_or(0);
    u.memory = number(d, "memory.current");
    u.memory_limit = number(d, "memory.max");  // "max" does not parse: 0, unlimited
    u.pids = number(d, "pids.current");
    std::string io = fs::read_file(d + "/io.stat").value_or("");  // the views below point here
    for (auto line : parse::split(io, '\n')) {
      for (auto field : parse::split(line, ' ')) {
        uint64_t* sum = field.rfind("rbytes=", 0) == 0   ? &u.io_read
                        : field.rfind("wbytes=", 0) == 0 ? &u.io_write
                                                         : nullptr;
        if (sum != nullptr) *sum += parse::uint(field.substr(7), 0, UINT64_MAX).value_or(0);
      }
    }
    return u;
  }
  if (auto d = dir_of("cpuacct"); !d.empty()) u.cpu_usec = number(d, "cpuacct.usage") / 1000;
  if (auto d = dir_of("memory"); !d.empty()) {
    u.memory = number(d, "memory.usage_in_bytes");
    u.memory_limit = number(d, "memory.limit_in_bytes");
    if (u.memory_limit >= (1ull << 62)) u.memory_limit = 0;  // the "unlimited" page-rounded max
  }
  if (auto d = dir_of("pids"); !d.empty()) u.pids = number(d, "pids.current");
  if (auto d = dir_of("blkio"); !d.empty()) {
    auto s = fs::read_file(d + "/blkio.throttle.io_service_bytes").value_or("");
    for (auto line : parse::split(s, '\n')) {
      auto f = parse::split(line, ' ');
      if (f.size() != 3) continue;
      uint64_t v = parse::uint(f[2], 0, UINT64_MAX).value_or(0);
      if (f[1] == "Read") u.io_read += v;
      if (f[1] == "Write") u.io_write += v;
    }
  }
  return u;
}

}  // namespace nucleus::cgroup
