#include "cgroup/oci.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "cgroup/dir.h"
#include "cgroup/v1/manager.h"
#include "cgroup/v2/devices.h"
#include "cgroup/v2/manager.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::cgroup {
namespace {

// mkdir -p of root+path; existing directories are fine (an engine may make them first).
Result<> make_all(const std::string& root, const std::string& path) {
  std::string cur = root;
  for (auto part : parse::split(std::string_view(path).substr(1), '/')) {
    cur += "/" + std::string(part);
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return fail_errno("create cgroup {}", cur);
  }
  return {};
}

std::string trimmed(const std::string& dir, const char* file) {
  auto s = fs::read_file(dir + "/" + file).value_or("");
  return std::string(parse::trim_end(s));
}

// A new v1 cpuset cgroup has no CPUs and memory nodes, and takes no task until it has: each
// level made empty gets its parent's.
Result<> init_cpuset(const std::string& root, const std::string& path) {
  std::string parent = root, cur = root;
  for (auto part : parse::split(std::string_view(path).substr(1), '/')) {
    cur += "/" + std::string(part);
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
      if (!trimmed(cur, f).empty()) continue;
      UniqueFd fd = TRY(fs::open_dir(cur));
      TRY(write_file(fd.get(), cur, f, trimmed(parent, f), false));
    }
    parent = cur;
  }
  return {};
}

bool has_option(const std::string& options, std::string_view controller) {
  for (auto o : parse::split(options, ','))
    if (o == controller) return true;
  return false;
}

}  // namespace

uint64_t OciCgroup::shares_to_weight(uint64_t shares) {
  return shares == 0 ? 0 : 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t OciCgroup::blkio_to_io_weight(uint64_t weight) {
  return weight == 0 ? 0 : 1 + ((weight - 10) * 9999) / 990;
}

std::string device_rule_line(const spec::DeviceRule& d) {
  auto num = [](int64_t v) { return v < 0 ? std::string("*") : std::to_string(v); };
  if (d.type == 'a') return "a *:* " + d.access;
  return fmt::format("{} {}:{} {}", d.type, num(d.major), num(d.minor), d.access);
}

std::vector<std::string> OciCgroup::dirs() const {
  std::vector<std::string> out;
  if (layout_.mode == Mode::kV2) return {layout_.v2_root + path_};
  for (const auto& h : layout_.v1_all) out.push_back(h.mount + path_);
  return out;
}

namespace {

// The v2 controllers that the resources write to.
std::vector<std::string> v2_controllers(const spec::Resources& r, const spec::OciResources& x) {
  std::vector<std::string> ctrls = controllers_for(r, "io");
  auto want = [&](const char* c, bool needed) {
    if (needed && std::find(ctrls.begin(), ctrls.end(), c) == ctrls.end()) ctrls.emplace_back(c);
  };
  want("cpu", x.cpu_shares || x.cpu_burst || x.cpu_idle);
  want("memory", x.memory_reservation.has_value());
  want("cpuset", !x.cpus.empty() || !x.mems.empty());
  want("hugetlb", !x.hugepage_limits.empty());
  want("pids", x.pids_unlimited);
  want("io", x.blkio_weight.value_or(0) != 0 || !x.blkio_weight_devices.empty());
  for (const auto& [file, value] : x.unified) want(file.substr(0, file.find('.')).c_str(), true);
  // cgroup.* files belong to no controller.
  std::erase(ctrls, std::string("cgroup"));
  return ctrls;
}

}  // namespace

Result<> OciCgroup::create(const spec::Resources& r, const spec::OciResources& x) {
  if (layout_.mode == Mode::kNone) return fail_invalid("no cgroup hierarchy under /sys/fs/cgroup");
  if (layout_.mode == Mode::kV2) {
    TRY(v2::enable_controllers(layout_.v2_root, path_, v2_controllers(r, x), layout_.fake));
    // As runc and crun do, the usual controllers are on even when config.json sets no limit:
    // `update` may set one later, and `events --stats` (docker stats) reads their usage. Where
    // one cannot be enabled (not delegated to this subtree), the container runs without it.
    for (const char* c : {"cpu", "io", "memory", "pids"})
      (void)v2::enable_controllers(layout_.v2_root, path_, {c}, layout_.fake);
    TRY(make_all(layout_.v2_root, path_));
    return write_v2(r, x);
  }
  for (const auto& h : layout_.v1_all) {
    TRY(make_all(h.mount, path_));
    if (has_option(h.options, "cpuset")) TRY(init_cpuset(h.mount, path_));
  }
  return write_v1(r, x);
}

Result<> OciCgroup::update(const spec::Resources& r, const spec::OciResources& x) {
  if (layout_.mode != Mode::kV2) return write_v1(r, x);
  // A limit of a kind the container was created without needs its controller enabled above it.
  TRY(v2::enable_controllers(layout_.v2_root, path_, v2_controllers(r, x), layout_.fake));
  return write_v2(r, x);
}

Result<> OciCgroup::write_v1(const spec::Resources& r, const spec::OciResources& x) {
  auto dir_of = [&](std::string_view controller) -> std::string {
    for (const auto& h : layout_.v1_all)
      if (has_option(h.options, controller)) return h.mount + path_;
    return "";
  };
  auto put = [&](std::string_view controller, const char* file,
                 const std::string& value) -> Result<> {
    std::string dir = dir_of(controller);
    if (dir.empty())
      return fail_invalid("the {} controller is not available on this host", controller);
    UniqueFd fd = TRY(fs::open_dir(dir));
    return write_file(fd.get(), dir, file, value, layout_.fake);
  };
  auto optional_file = [&](std::string_view controller, const char* file, const std::string& value,
                           const char* what) -> Result<> {
    std::string dir = dir_of(controller);
    if (!dir.empty() && ::access((dir + "/" + file).c_str(), F_OK) == 0)
      return put(controller, file, value);
    return fail_invalid("{}: not supported on this host ({} is missing)", what, file);
  };
  std::string mem = dir_of("memory");
  bool memsw = r.memory && !mem.empty() &&
               ::access((mem + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0;
  auto writes = TRY(v1::limit_writes(r, memsw));
  // memory.limit_in_bytes may not exceed memory.memsw.limit_in_bytes: raising both (update)
  // goes memsw first.
  if (memsw) {
    auto at = [&](const char* f) {
      return std::find_if(writes.begin(), writes.end(),
                          [&](const Write& w) { return std::string_view(w.file) == f; });
    };
    auto limit = at("memory.limit_in_bytes"), both = at("memory.memsw.limit_in_bytes");
    auto current = parse::uint(trimmed(mem, "memory.memsw.limit_in_bytes"), 0, UINT64_MAX);
    auto wanted = parse::uint(both != writes.end() ? both->value : "", 0, UINT64_MAX);
    if (limit != writes.end() && both != writes.end() && current && (!wanted || *wanted > *current))
      std::iter_swap(limit, both);
  }
  for (const auto& w : writes) TRY(put(w.controller, w.file, w.value));
  if (x.memory_reservation)
    TRY(put("memory", "memory.soft_limit_in_bytes", std::to_string(*x.memory_reservation)));
  // Kernel memory limits are gone from cgroup v1 since Linux 6.1 (runc ignores them too).
  if (x.memory_swappiness)
    TRY(put("memory", "memory.swappiness", std::to_string(*x.memory_swappiness)));
  if (x.disable_oom_killer) TRY(put("memory", "memory.oom_control", "1"));
  if (x.cpu_shares) TRY(put("cpu", "cpu.shares", std::to_string(*x.cpu_shares)));
  if (x.cpu_realtime_period)
    TRY(optional_file("cpu", "cpu.rt_period_us", std::to_string(*x.cpu_realtime_period),
                      "cpu.realtimePeriod"));
  if (x.cpu_realtime_runtime)
    TRY(optional_file("cpu", "cpu.rt_runtime_us", std::to_string(*x.cpu_realtime_runtime),
                      "cpu.realtimeRuntime"));
  if (x.cpu_burst)
    TRY(optional_file("cpu", "cpu.cfs_burst_us", std::to_string(*x.cpu_burst), "cpu.burst"));
  if (!x.cpus.empty()) TRY(put("cpuset", "cpuset.cpus", x.cpus));
  if (!x.mems.empty()) TRY(put("cpuset", "cpuset.mems", x.mems));
  if (x.blkio_weight.value_or(0) != 0)
    TRY(optional_file("blkio", "blkio.weight", std::to_string(*x.blkio_weight), "blockIO.weight"));
  if (x.blkio_leaf_weight.value_or(0) != 0)
    TRY(optional_file("blkio", "blkio.leaf_weight", std::to_string(*x.blkio_leaf_weight),
                      "blockIO.leafWeight"));
  for (const auto& d : x.blkio_weight_devices)
    if (d.weight)
      TRY(optional_file("blkio", "blkio.weight_device",
                        fmt::format("{}:{} {}", d.major, d.minor, *d.weight),
                        "blockIO.weightDevice"));
  for (const auto& [size, limit] : x.hugepage_limits)
    TRY(put("hugetlb", ("hugetlb." + size + ".limit_in_bytes").c_str(), std::to_string(limit)));
  if (x.pids_unlimited) TRY(put("pids", "pids.max", "max"));
  if (!x.unified.empty()) return fail_invalid("linux.resources.unified needs cgroup v2");
  for (const auto& d : x.devices)
    TRY(put("devices", d.allow ? "devices.allow" : "devices.deny", device_rule_line(d)));
  return {};
}

Result<> OciCgroup::write_v2(const spec::Resources& r, const spec::OciResources& x) {
  std::string dir = layout_.v2_root + path_;
  UniqueFd fd = TRY(fs::open_dir(dir));
  auto put = [&](const std::string& file, const std::string& value) {
    return write_file(fd.get(), dir, file.c_str(), value, layout_.fake);
  };
  bool swap = layout_.fake || has_file(fd.get(), "memory.swap.max");
  for (const auto& w : TRY(v2::limit_writes(r, swap))) TRY(put(w.file, w.value));
  if (x.memory_reservation) TRY(put("memory.low", std::to_string(*x.memory_reservation)));
  if (x.cpu_shares) TRY(put("cpu.weight", std::to_string(shares_to_weight(*x.cpu_shares))));
  if (x.cpu_burst) TRY(put("cpu.max.burst", std::to_string(*x.cpu_burst)));
  if (x.cpu_idle) TRY(put("cpu.idle", std::to_string(*x.cpu_idle)));
  if (x.cpu_realtime_period || x.cpu_realtime_runtime)
    return fail_invalid("cpu.realtimeRuntime and realtimePeriod need cgroup v1");
  if (!x.cpus.empty()) TRY(put("cpuset.cpus", x.cpus));
  if (!x.mems.empty()) TRY(put("cpuset.mems", x.mems));
  if (x.blkio_weight.value_or(0) != 0)
    TRY(put("io.weight", std::to_string(blkio_to_io_weight(*x.blkio_weight))));
  for (const auto& d : x.blkio_weight_devices)
    if (d.weight)
      TRY(put("io.weight",
              fmt::format("{}:{} {}", d.major, d.minor, blkio_to_io_weight(*d.weight))));
  for (const auto& [size, limit] : x.hugepage_limits)
    TRY(put("hugetlb." + size + ".max", std::to_string(limit)));
  if (x.pids_unlimited) TRY(put("pids.max", "max"));
  for (const auto& [file, value] : x.unified) TRY(put(file, value));
  // No devices controller in v2: an eBPF program attached to the cgroup decides.
  if (!x.devices.empty() && !layout_.fake) TRY(v2::attach_device_rules(fd.get(), x.devices));
  return {};
}

Result<UniqueFd> OciCgroup::clone_target() const {
  if (layout_.mode != Mode::kV2) return UniqueFd();
  return fs::open_dir(layout_.v2_root + path_);
}

Result<> OciCgroup::add(pid_t pid) const {
  for (const auto& dir : dirs()) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) continue;
    TRY(write_file(fd.get(), dir, "cgroup.procs", std::to_string(pid), layout_.fake));
  }
  return {};
}

std::string own_cgroup() {
  std::string first;
  // The text outlives the loop: split() returns views into it.
  std::string text = fs::read_file("/proc/self/cgroup").value_or("");
  for (auto line : parse::split(text, '\n')) {
    auto f = parse::split(line, ':');
    if (f.size() < 3) continue;
    std::string path(line.substr(f[0].size() + f[1].size() + 2));
    if (f[0] == "0" && f[1].empty()) return path;  // the unified hierarchy
    if (has_option(std::string(f[1]), "memory")) return path;
    if (first.empty()) first = path;
  }
  return first.empty() ? "/" : first;
}

Result<std::string> oci_cgroup_path(const std::string& given, const std::string& id,
                                    const std::string& own) {
  if (given.empty()) return "/nucleus-oci/" + id;
  std::string path;
  auto parts = parse::split(given, ':');
  if (parts.size() == 3 && given[0] != '/') {
    // systemd: "machine.slice:prefix:name"; "a-b.slice" is /a.slice/a-b.slice.
    std::string slice(parts[0].empty() ? "system.slice" : parts[0]);
    if (slice.size() < 7 || slice.substr(slice.size() - 6) != ".slice")
      return fail_invalid("linux.cgroupsPath {}: '{}' is not a slice", given, slice);
    std::string stem = slice.substr(0, slice.size() - 6);
    if (stem != "-") {
      for (size_t i = 0; i <= stem.size(); i++)
        if (i == stem.size() || stem[i] == '-') path += "/" + stem.substr(0, i) + ".slice";
    }
    path += "/" +
            (parts[1].empty() ? std::string(parts[2]) : fmt::format("{}-{}", parts[1], parts[2])) +
            ".scope";
  } else if (given[0] == '/') {
    path = given;
  } else {
    path = (own == "/" ? "" : own) + "/" + given;
  }
  auto clean = fs::normalize_abs(path);
  if (!clean) return fail_invalid("linux.cgroupsPath {}: {}", given, clean.error().message);
  if (*clean == "/") return fail_invalid("linux.cgroupsPath {}: the root cgroup", given);
  return *clean;
}

}  // namespace nucleus::cgroup
