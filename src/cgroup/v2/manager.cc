// cgroup v2: one directory in the unified hierarchy; controllers enabled on the way down;
// processes placed with CLONE_INTO_CGROUP.
#include "cgroup/v2/manager.h"

#include <signal.h>
#include <sys/stat.h>

#include "cgroup/dir.h"
#include "util/fs.h"
#include "util/scope_exit.h"

namespace nucleus::cgroup::v2 {
namespace {

std::string io_line(const spec::IoLimit& io) {
  std::string line = fmt::format("{}:{}", io.major, io.minor);
  if (io.rbps) line += fmt::format(" rbps={}", io.rbps);
  if (io.wbps) line += fmt::format(" wbps={}", io.wbps);
  if (io.riops) line += fmt::format(" riops={}", io.riops);
  if (io.wiops) line += fmt::format(" wiops={}", io.wiops);
  return line;
}

}  // namespace

Manager::Manager(std::string root, std::string path, bool fake)
    : root_(std::move(root)), path_(std::move(path)), fake_(fake) {}

Manager::~Manager() = default;

Result<> enable_controllers(const std::string& root, const std::string& path,
                            const std::vector<std::string>& ctrls, bool fake) {
  std::string dir = root;
  std::string_view rest = std::string_view(path).substr(1);
  for (;;) {
    UniqueFd fd = TRY(fs::open_dir(dir));
    auto enabled = fs::read_file_at(fd.get(), "cgroup.subtree_control").value_or("");
    for (const auto& c : ctrls) {
      if (fmt::format(" {} ", enabled).find(" " + c + " ") != std::string::npos) continue;
      auto avail = fs::read_file_at(fd.get(), "cgroup.controllers").value_or(fake ? c : "");
      if (fmt::format(" {} ", avail).find(" " + c + " ") == std::string::npos && !fake)
        return fail_invalid("the {} controller is not available in {}", c, dir);
      TRY(write_file(fd.get(), dir, "cgroup.subtree_control", "+" + c, fake));
    }
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return {};
    std::string next = dir + "/" + std::string(rest.substr(0, slash));
    rest.remove_prefix(slash + 1);
    if (::mkdir(next.c_str(), 0755) != 0 && errno != EEXIST)
      return fail_errno("create cgroup {}", next);
    dir = std::move(next);
  }
}

Result<std::vector<Write>> limit_writes(const spec::Resources& r, bool has_swap) {
  std::vector<Write> w;
  if (r.memory) {
    w.push_back({"memory", "memory.max", std::to_string(*r.memory)});
    std::string swap = !r.memory_swap ? "0"
                       : *r.memory_swap < 0
                           ? "max"
                           : std::to_string(*r.memory_swap - static_cast<int64_t>(*r.memory));
    if (has_swap)
      w.push_back({"memory", "memory.swap.max", swap});
    else if (r.memory_swap)
      return fail_invalid("--memory-swap: this host has no swap accounting");
  }
  if (r.cpu_quota)
    w.push_back({"cpu", "cpu.max", fmt::format("{} {}", *r.cpu_quota, r.cpu_period)});
  if (r.cpu_weight) w.push_back({"cpu", "cpu.weight", std::to_string(*r.cpu_weight)});
  if (r.pids) w.push_back({"pids", "pids.max", std::to_string(*r.pids)});
  for (const auto& io : r.io) w.push_back({"io", "io.max", io_line(io)});
  return w;
}

Result<> Manager::write_limits(const spec::Resources& r) {
  std::string dir = root_ + path_;
  bool swap = fake_ || has_file(fd_.get(), "memory.swap.max");
  for (const auto& w : TRY(limit_writes(r, swap)))
    TRY(write_file(fd_.get(), dir, w.file, w.value, fake_));
  return {};
}

Result<> Manager::create(const spec::Resources& r) {
  TRY(enable_controllers(root_, path_, controllers_for(r, "io"), fake_));
  fd_ = TRY(make_dir(root_, path_));
  created_ = true;
  ScopeExit undo([&] { (void)remove(); });
  TRY(write_limits(r));
  undo.dismiss();
  return {};
}

Result<> Manager::add(pid_t pid) {
  return write_file(fd_.get(), root_ + path_, "cgroup.procs", std::to_string(pid), fake_);
}

void Manager::kill_all() {
  if (!fd_) return;
  if (has_file(fd_.get(), "cgroup.kill") &&
      write_file(fd_.get(), root_ + path_, "cgroup.kill", "1", fake_))
    return;
  for (pid_t p : read_pids(fd_.get())) ::kill(p, SIGKILL);
}

Result<> Manager::remove() {
  if (!created_) return {};
  fd_.reset();
  TRY(remove_dir(root_, path_));
  created_ = false;
  return {};
}

std::vector<std::string> Manager::paths() const {
  return {root_ + path_};
}

}  // namespace nucleus::cgroup::v2
