// linux.resources of config.json (and the document of `update --resources`): what nucleus's
// own limits express goes into Resources, the rest into OciResources.
#include <algorithm>

#include "spec/json_read.h"
#include "spec/oci_config.h"

namespace nucleus::spec {
namespace {

using namespace json_read;  // NOLINT(google-build-using-namespace)

Result<> read_memory(const json& m, const std::string& w, Resources& r, OciResources& x) {
  if (auto limit = TRY(opt_int<int64_t>(m, "limit", w, -1)); limit && *limit > 0) {
    r.memory = static_cast<uint64_t>(*limit);
  }
  if (auto swap = TRY(opt_int<int64_t>(m, "swap", w, -1))) {
    if (*swap != 0) r.memory_swap = *swap;  // memory + swap, -1 unlimited (as memsw)
    if (*swap > 0 && r.memory && static_cast<uint64_t>(*swap) < *r.memory)
      return fail_invalid("{}.swap: {} is below the memory limit {} (it counts memory too)", w,
                          *swap, *r.memory);
  }
  x.memory_reservation = TRY(opt_int<int64_t>(m, "reservation", w, -1));
  x.memory_kernel = TRY(opt_int<int64_t>(m, "kernel", w, -1));
  x.memory_kernel_tcp = TRY(opt_int<int64_t>(m, "kernelTCP", w, -1));
  x.memory_swappiness = TRY(opt_int<uint64_t>(m, "swappiness", w, 0, 100));
  x.disable_oom_killer = TRY(opt_bool(m, "disableOOMKiller", w)).value_or(false);
  x.memory_use_hierarchy = TRY(opt_bool(m, "useHierarchy", w)).value_or(false);
  return {};
}

Result<> read_cpu(const json& c, const std::string& w, Resources& r, OciResources& x) {
  x.cpu_shares = TRY(opt_int<uint64_t>(c, "shares", w));
  if (x.cpu_shares && *x.cpu_shares == 0) x.cpu_shares.reset();  // 0: the default
  if (x.cpu_shares && (*x.cpu_shares < 2 || *x.cpu_shares > 262144))
    return fail_invalid("{}.shares: {} is outside 2..262144", w, *x.cpu_shares);
  auto quota = TRY(opt_int<int64_t>(c, "quota", w, -1));
  auto period = TRY(opt_int<uint64_t>(c, "period", w));
  if (period && *period != 0) {
    if (*period < 1000 || *period > 1000000)
      return fail_invalid("{}.period: {} is outside 1000..1000000 us", w, *period);
    r.cpu_period = *period;
  }
  if (quota && *quota > 0) {
    if (*quota < 1000) return fail_invalid("{}.quota: {} us is below 1000", w, *quota);
    r.cpu_quota = static_cast<uint64_t>(*quota);
  }
  x.cpu_burst = TRY(opt_int<uint64_t>(c, "burst", w));
  x.cpu_realtime_runtime = TRY(opt_int<int64_t>(c, "realtimeRuntime", w));
  x.cpu_realtime_period = TRY(opt_int<uint64_t>(c, "realtimePeriod", w));
  x.cpus = TRY(string_or(c, "cpus", w));
  x.mems = TRY(string_or(c, "mems", w));
  x.cpu_idle = TRY(opt_int<int64_t>(c, "idle", w, 0, 1));
  return {};
}

// One throttle list into the per-device limits.
Result<> read_throttle(const json& b, const char* key, const std::string& w, Resources& r,
                       uint64_t IoLimit::*field) {
  for (const auto& [t, tw] : TRY(objects(b, key, w))) {
    auto major = TRY(opt_int<uint32_t>(*t, "major", tw, 0, 4095));
    auto minor = TRY(opt_int<uint32_t>(*t, "minor", tw, 0, (1 << 20) - 1));
    auto rate = TRY(opt_int<uint64_t>(*t, "rate", tw));
    if (!major || !minor || !rate)
      return fail_invalid("{}: major, minor and rate are required", tw);
    auto it = std::find_if(r.io.begin(), r.io.end(), [&](const IoLimit& l) {
      return l.major == *major && l.minor == *minor;
    });
    if (it == r.io.end()) {
      r.io.push_back({fmt::format("{}:{}", *major, *minor), *major, *minor});
      it = r.io.end() - 1;
    }
    (*it).*field = *rate;
  }
  return {};
}

Result<> read_block_io(const json& b, const std::string& w, Resources& r, OciResources& x) {
  x.blkio_weight = TRY(opt_int<uint16_t>(b, "weight", w, 0, 1000));
  if (x.blkio_weight && *x.blkio_weight != 0 && *x.blkio_weight < 10)
    return fail_invalid("{}.weight: {} is outside 10..1000", w, *x.blkio_weight);
  x.blkio_leaf_weight = TRY(opt_int<uint16_t>(b, "leafWeight", w, 0, 1000));
  for (const auto& [d, dw] : TRY(objects(b, "weightDevice", w))) {
    WeightDevice wd;
    auto major = TRY(opt_int<int64_t>(*d, "major", dw, 0, 4095));
    auto minor = TRY(opt_int<int64_t>(*d, "minor", dw, 0, (1 << 20) - 1));
    if (!major || !minor) return fail_invalid("{}: major and minor are required", dw);
    wd.major = *major, wd.minor = *minor;
    wd.weight = TRY(opt_int<uint16_t>(*d, "weight", dw, 10, 1000));
    wd.leaf_weight = TRY(opt_int<uint16_t>(*d, "leafWeight", dw, 10, 1000));
    x.blkio_weight_devices.push_back(wd);
  }
  TRY(read_throttle(b, "throttleReadBpsDevice", w, r, &IoLimit::rbps));
  TRY(read_throttle(b, "throttleWriteBpsDevice", w, r, &IoLimit::wbps));
  TRY(read_throttle(b, "throttleReadIOPSDevice", w, r, &IoLimit::riops));
  TRY(read_throttle(b, "throttleWriteIOPSDevice", w, r, &IoLimit::wiops));
  return {};
}

Result<> read_devices(const json& j, const std::string& w, OciResources& x) {
  for (const auto& [d, dw] : TRY(objects(j, "devices", w))) {
    DeviceRule rule;
    auto allow = TRY(opt_bool(*d, "allow", dw));
    if (!allow) return fail_invalid("{}.allow: required", dw);
    rule.allow = *allow;
    auto type = TRY(string_or(*d, "type", dw, "a"));
    if (type != "a" && type != "c" && type != "b")
      return fail_invalid("{}.type: want a, c or b, not '{}'", dw, type);
    rule.type = type[0];
    rule.major = TRY(opt_int<int64_t>(*d, "major", dw, -1, 4095)).value_or(-1);
    rule.minor = TRY(opt_int<int64_t>(*d, "minor", dw, -1, (1 << 20) - 1)).value_or(-1);
    rule.access = TRY(string_or(*d, "access", dw, "rwm"));
    if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos)
      return fail_invalid("{}.access: want letters of rwm, not '{}'", dw, rule.access);
    x.devices.push_back(rule);
  }
  return {};
}

}  // namespace

Result<> oci_resources(const json& j, const std::string& w, Resources& r, OciResources& x) {
  if (!j.is_object()) return fail_invalid("{}: want an object", w);
  if (const json* m = TRY(member(j, "memory", w))) TRY(read_memory(*m, at(w, "memory"), r, x));
  if (const json* c = TRY(member(j, "cpu", w))) TRY(read_cpu(*c, at(w, "cpu"), r, x));
  if (const json* p = TRY(member(j, "pids", w))) {
    auto limit = TRY(opt_int<int64_t>(*p, "limit", at(w, "pids")));
    if (limit && *limit > 0) r.pids = static_cast<uint64_t>(*limit);
    if (limit && *limit <= 0) x.pids_unlimited = true;
  }
  if (const json* b = TRY(member(j, "blockIO", w))) TRY(read_block_io(*b, at(w, "blockIO"), r, x));
  for (const auto& [h, hw] : TRY(objects(j, "hugepageLimits", w))) {
    auto size = TRY(string_or(*h, "pageSize", hw));
    auto limit = TRY(opt_int<uint64_t>(*h, "limit", hw));
    if (size.empty() || !limit) return fail_invalid("{}: pageSize and limit are required", hw);
    x.hugepage_limits[size] = *limit;
  }
  x.unified = TRY(string_map(j, "unified", w));
  for (const auto& [k, v] : x.unified)
    if (k.empty() || k.find('/') != std::string::npos || k.find('.') == std::string::npos)
      return fail_invalid("{}.unified: bad cgroup file name '{}'", w, k);
  TRY(read_devices(j, w, x));
  return {};
}

}  // namespace nucleus::spec
