#include "checkpoint/limits.h"

#include <cerrno>
#include <limits>

#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::checkpoint {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
// v1 reports "no limit" as the largest page-aligned value (0x7FFFFFFFFFFFF000 on x86-64).
constexpr uint64_t kV1Unlimited = 1ull << 62;

Result<std::optional<uint64_t>> max_or_number(std::string_view v, const std::string& file) {
  if (v == "max") return std::optional<uint64_t>();
  auto n = parse::uint(v, 0, kMax);
  if (!n) return fail_invalid("{}: '{}' is not a number or \"max\"", file, v);
  return std::optional<uint64_t>(*n);
}

// The file's trimmed content; none when it does not exist (the controller is not enabled there:
// no limit). Any other failure is an error naming the file.
Result<std::optional<std::string>> read_optional(const std::string& path) {
  auto text = fs::read_file(path);
  if (!text && text.error().code == ENOENT) return std::optional<std::string>();
  if (!text) return fail(text.error());
  return std::optional<std::string>(std::string(parse::trim_end(*text)));
}

Result<std::optional<uint64_t>> v2_value(const std::string& dir, const char* name) {
  std::string path = dir + "/" + name;
  auto text = TRY(read_optional(path));
  if (!text) return std::optional<uint64_t>();  // controller not enabled there: no limit
  return max_or_number(*text, path);
}

Result<std::optional<uint64_t>> v1_value(const cgroup::Layout& layout, const std::string& path,
                                         const char* controller, const char* name) {
  auto it = layout.v1.find(controller);
  if (it == layout.v1.end()) return std::optional<uint64_t>();
  std::string file = it->second + path + "/" + name;
  auto text = TRY(read_optional(file));
  if (!text) return std::optional<uint64_t>();
  if (*text == "-1" || *text == "max") return std::optional<uint64_t>();
  auto n = parse::uint(*text, 0, kMax);
  if (!n) return fail_invalid("{}: '{}' is not a number", file, *text);
  if (*n >= kV1Unlimited) return std::optional<uint64_t>();
  return std::optional<uint64_t>(*n);
}

// "MAJ:MIN", as io.max and the blkio files name a device.
bool valid_device(std::string_view d) {
  auto colon = d.find(':');
  return colon != std::string_view::npos && parse::uint(d.substr(0, colon), 0, 4095) &&
         parse::uint(d.substr(colon + 1), 0, 1u << 20);
}

}  // namespace

std::optional<uint64_t> Limits::cpu_millicores() const {
  if (!cpu_quota || cpu_period == 0) return std::nullopt;
  if (*cpu_quota > kMax / 1000) return kMax;
  return *cpu_quota * 1000 / cpu_period;
}

Result<> parse_cpu_max(std::string_view text, Limits& out) {
  auto f = parse::words(parse::trim_end(text));
  if (f.size() != 2)
    return fail_invalid("cpu.max: want \"QUOTA PERIOD\", got '{}'", parse::trim_end(text));
  auto quota = TRY(max_or_number(f[0], "cpu.max"));
  auto period = parse::uint(f[1], 1, kMax);
  if (!period) return fail_invalid("cpu.max: period '{}' is not a nonzero number", f[1]);
  out.cpu_quota = quota;
  out.cpu_period = *period;
  return {};
}

Result<std::vector<IoMax>> parse_io_max(std::string_view text) {
  std::vector<IoMax> out;
  for (auto line : parse::split(text, '\n')) {
    auto f = parse::words(line);
    if (f.empty()) continue;
    IoMax io;
    io.device = std::string(f[0]);
    if (!valid_device(io.device)) return fail_invalid("io.max: '{}' is not a MAJ:MIN device", f[0]);
    for (size_t i = 1; i < f.size(); i++) {
      auto eq = f[i].find('=');
      auto key = f[i].substr(0, eq);
      std::optional<uint64_t>* slot = key == "rbps"    ? &io.rbps
                                      : key == "wbps"  ? &io.wbps
                                      : key == "riops" ? &io.riops
                                      : key == "wiops" ? &io.wiops
                                                       : nullptr;
      if (!slot || eq == std::string_view::npos)
        return fail_invalid("io.max: unknown field '{}'", f[i]);
      *slot = TRY(max_or_number(f[i].substr(eq + 1), "io.max"));
    }
    out.push_back(std::move(io));
  }
  return out;
}

Result<Limits> read_v2(const std::string& dir) {
  Limits l;
  l.memory_max = TRY(v2_value(dir, "memory.max"));
  l.memory_high = TRY(v2_value(dir, "memory.high"));
  l.swap_max = TRY(v2_value(dir, "memory.swap.max"));
  l.pids_max = TRY(v2_value(dir, "pids.max"));
  if (auto cpu = TRY(read_optional(dir + "/cpu.max")))
    TRY(parse_cpu_max(*cpu, l).map_error([&](const Error& e) { return e.wrap(dir); }));
  if (auto w = TRY(read_optional(dir + "/cpu.weight"))) {
    auto n = parse::uint(*w, 0, kMax);
    if (!n) return fail_invalid("{}/cpu.weight: '{}' is not a number", dir, *w);
    l.cpu_weight = *n;
  }
  if (auto io = TRY(read_optional(dir + "/io.max")))  // missing: no I/O limits
    l.io = TRY(parse_io_max(*io).map_error([&](const Error& e) { return e.wrap(dir); }));
  return l;
}

Result<Limits> read_v1(const cgroup::Layout& layout, const std::string& path) {
  Limits l;
  l.memory_max = TRY(v1_value(layout, path, "memory", "memory.limit_in_bytes"));
  l.memory_high = TRY(v1_value(layout, path, "memory", "memory.soft_limit_in_bytes"));
  auto memsw = TRY(v1_value(layout, path, "memory", "memory.memsw.limit_in_bytes"));
  if (memsw && l.memory_max && *memsw >= *l.memory_max) l.swap_max = *memsw - *l.memory_max;
  l.pids_max = TRY(v1_value(layout, path, "pids", "pids.max"));
  l.cpu_quota = TRY(v1_value(layout, path, "cpu", "cpu.cfs_quota_us"));
  if (auto period = TRY(v1_value(layout, path, "cpu", "cpu.cfs_period_us"))) {
    if (*period == 0) return fail_invalid("{}: cpu.cfs_period_us is 0", path);
    l.cpu_period = *period;
  }
  if (auto shares = TRY(v1_value(layout, path, "cpu", "cpu.shares"))) {
    // The inverse of the v2 -> v1 conversion (2..262144 <- 1..10000); 1024 is the default.
    if (*shares != 1024) l.cpu_weight = 1 + (std::max<uint64_t>(*shares, 2) - 2) * 9999 / 262142;
  }
  auto it = layout.v1.find("blkio");
  if (it != layout.v1.end()) {
    const std::pair<const char*, std::optional<uint64_t> IoMax::*> files[] = {
        {"blkio.throttle.read_bps_device", &IoMax::rbps},
        {"blkio.throttle.write_bps_device", &IoMax::wbps},
        {"blkio.throttle.read_iops_device", &IoMax::riops},
        {"blkio.throttle.write_iops_device", &IoMax::wiops}};
    for (const auto& [name, field] : files) {
      std::string file = it->second + path + "/" + name;
      std::string content = TRY(read_optional(file)).value_or("");  // the lines point into it
      for (auto line : parse::split(content, '\n')) {
        auto f = parse::words(line);
        if (f.empty()) continue;
        auto v = f.size() == 2 ? parse::uint(f[1], 0, kMax) : Result<uint64_t>(0);
        if (f.size() != 2 || !v) return fail_invalid("{}: bad line '{}'", file, line);
        auto at = std::find_if(l.io.begin(), l.io.end(),
                               [&](const IoMax& x) { return x.device == f[0]; });
        if (at == l.io.end())
          at = l.io.insert(l.io.end(), IoMax{std::string(f[0]), {}, {}, {}, {}});
        (*at).*field = *v;
      }
    }
  }
  return l;
}

Result<Limits> read(const cgroup::Layout& layout, const std::string& path) {
  if (layout.mode == cgroup::Mode::kV2) return read_v2(layout.v2_root + path);
  return read_v1(layout, path);
}

Result<> validate(const Limits& l) {
  auto bad = [](std::string_view what) {
    return fail_invalid("Invalid checkpoint resource limits: {}", what);
  };
  if (l.cpu_period < 1000 || l.cpu_period > 1000000) return bad("CPU period out of 1ms..1s");
  if (l.cpu_quota && *l.cpu_quota < 1000) return bad("CPU quota under 1ms");
  if (l.cpu_weight && (*l.cpu_weight < 1 || *l.cpu_weight > 10000))
    return bad("CPU weight out of 1..10000");
  if (l.memory_max && *l.memory_max == 0) return bad("zero memory limit");
  if (l.pids_max && *l.pids_max == 0) return bad("zero pids limit");
  for (const auto& io : l.io)
    if (!valid_device(io.device)) return bad("an I/O limit's device is not MAJ:MIN");
  return {};
}

}  // namespace nucleus::checkpoint
