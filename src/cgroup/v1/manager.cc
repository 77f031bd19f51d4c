#include "cgroup/v1/manager.h"

#include <fcntl.h>
#include <signal.h>

#include <algorithm>

#include "cgroup/dir.h"
#include "util/scope_exit.h"

namespace nucleus::cgroup::v1 {
Manager::Manager(std::map<std::string, std::string> hierarchies, std::string path, bool fake)
    : hierarchies_(std::move(hierarchies)), path_(std::move(path)), fake_(fake) {}

Manager::~Manager() = default;

uint64_t Manager::weight_to_shares(uint64_t weight) {
  return 2 + ((weight - 1) * 262142) / 9999;
}

Result<> Manager::put(const std::string& ctrl, const char* file, std::string_view value) {
  return write_file(dirs_.at(ctrl).get(), hierarchies_.at(ctrl) + path_, file, value, fake_);
}

Result<std::vector<Write>> limit_writes(const spec::Resources& r, bool has_memsw) {
  std::vector<Write> w;
  if (r.memory) {
    w.push_back({"memory", "memory.limit_in_bytes", std::to_string(*r.memory)});
    // memsw is memory + swap; without --memory-swap no swap at all.
    std::string memsw = !r.memory_swap       ? std::to_string(*r.memory)
                        : *r.memory_swap < 0 ? "-1"
                                             : std::to_string(*r.memory_swap);
    if (has_memsw)
      w.push_back({"memory", "memory.memsw.limit_in_bytes", memsw});
    else if (r.memory_swap)
      return fail_invalid("--memory-swap: this host has no swap accounting");
  }
  if (r.cpu_quota) {
    w.push_back({"cpu", "cpu.cfs_period_us", std::to_string(r.cpu_period)});
    w.push_back({"cpu", "cpu.cfs_quota_us", std::to_string(*r.cpu_quota)});
  }
  if (r.cpu_weight)
    w.push_back({"cpu", "cpu.shares", std::to_string(Manager::weight_to_shares(*r.cpu_weight))});
  if (r.pids) w.push_back({"pids", "pids.max", std::to_string(*r.pids)});
  for (const auto& io : r.io) {
    std::string dev = fmt::format("{}:{} ", io.major, io.minor);
    if (io.rbps)
      w.push_back({"blkio", "blkio.throttle.read_bps_device", dev + std::to_string(io.rbps)});
    if (io.wbps)
      w.push_back({"blkio", "blkio.throttle.write_bps_device", dev + std::to_string(io.wbps)});
    if (io.riops)
      w.push_back({"blkio", "blkio.throttle.read_iops_device", dev + std::to_string(io.riops)});
    if (io.wiops)
      w.push_back({"blkio", "blkio.throttle.write_iops_device", dev + std::to_string(io.wiops)});
  }
  return w;
}

Result<> Manager::write_limits(const spec::Resources& r) {
  bool memsw =
      r.memory && (fake_ || has_file(dirs_.at("memory").get(), "memory.memsw.limit_in_bytes"));
  for (const auto& w : TRY(limit_writes(r, memsw))) TRY(put(w.controller, w.file, w.value));
  return {};
}

Result<> Manager::create(const spec::Resources& r) {
  ScopeExit undo([&] { (void)remove(); });
  for (const auto& c : controllers_for(r, "blkio")) {
    auto h = hierarchies_.find(c);
    if (h == hierarchies_.end())
      return fail_invalid("the {} controller is not available on this host", c);
    auto shared = std::find_if(dirs_.begin(), dirs_.end(), [&](const auto& d) {
      return hierarchies_.at(d.first) == h->second;
    });
    if (shared != dirs_.end()) {
      dirs_[c] = UniqueFd(::fcntl(shared->second.get(), F_DUPFD_CLOEXEC, 0));
      continue;
    }
    dirs_[c] = TRY(make_dir(h->second, path_));
  }
  TRY(write_limits(r));
  undo.dismiss();
  return {};
}

Result<> Manager::add(pid_t pid) {
  for (const auto& [ctrl, fd] : dirs_)
    TRY(write_file(fd.get(), hierarchies_.at(ctrl) + path_, "cgroup.procs", std::to_string(pid),
                   fake_));
  return {};
}

void Manager::kill_all() {
  for (const auto& [ctrl, fd] : dirs_)
    for (pid_t p : read_pids(fd.get())) ::kill(p, SIGKILL);
}

Result<> Manager::remove() {
  Result<> result;
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    auto r = remove_dir(hierarchies_.at(it->first), path_);
    if (!r && result) result = r;
    it = dirs_.erase(it);
  }
  return result;
}

std::vector<std::string> Manager::paths() const {
  std::vector<std::string> out;
  for (const auto& [ctrl, fd] : dirs_) out.push_back(hierarchies_.at(ctrl) + path_);
  return out;
}

}  // namespace nucleus::cgroup::v1
