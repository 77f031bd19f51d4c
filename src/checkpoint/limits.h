// The resource limits of a container read back from its cgroup at checkpoint time, so that a
// restore recreates them: v2 files memory.max, memory.high, memory.swap.max, cpu.max,
// cpu.weight, pids.max, io.max ("max" = unlimited) and their v1 equivalents. Every file is
// parsed strictly; an error names the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/layout.h"
#include "util/result.h"

namespace nucleus::checkpoint {

struct IoMax {
  std::string device;  // "MAJ:MIN"
  std::optional<uint64_t> rbps, wbps, riops, wiops;
  bool operator==(const IoMax&) const = default;
};

struct Limits {
  std::optional<uint64_t> memory_max, memory_high, swap_max;  // bytes; none = unlimited
  std::optional<uint64_t> cpu_quota;                          // microseconds per period
  uint64_t cpu_period = 100000;
  std::optional<uint64_t> cpu_weight;  // 1..10000
  std::optional<uint64_t> pids_max;
  std::vector<IoMax> io;
  // quota * 1000 / period, saturating; none without a quota.
  std::optional<uint64_t> cpu_millicores() const;
  bool operator==(const Limits&) const = default;
};

// cpu.max: exactly "QUOTA PERIOD", QUOTA a number or "max", PERIOD a nonzero number.
Result<> parse_cpu_max(std::string_view text, Limits& out);
// io.max lines: "MAJ:MIN rbps=N wbps=N riops=N wiops=N" (each N or "max").
Result<std::vector<IoMax>> parse_io_max(std::string_view text);

// Reads the limits of the cgroup at `dir` (a v2 directory).
Result<Limits> read_v2(const std::string& dir);
// Reads them from the v1 hierarchies of `layout` at `path` (/nucleus/<id>).
Result<Limits> read_v1(const cgroup::Layout& layout, const std::string& path);
Result<Limits> read(const cgroup::Layout& layout, const std::string& path);

// The checks a live limit gets: a zero or out-of-range CPU period, a weight outside 1..10000, a
// zero memory or pids limit are refused.
Result<> validate(const Limits& l);

}  // namespace nucleus::checkpoint
