// config.json: linux.* (namespaces, ID mappings, devices, sysctl, seccomp, paths, personality,
// time offsets, cgroupsPath). Resources are in oci_resources.cc.
#include <algorithm>
#include <set>

#include "spec/json_read.h"
#include "spec/oci_config.h"
#include "spec/seccomp_json.h"
#include "util/fs.h"

namespace nucleus::spec {
namespace {

using namespace json_read;  // NOLINT(google-build-using-namespace)

constexpr const char* kNamespaceTypes[] = {"pid", "network", "mount",  "ipc",
                                           "uts", "user",    "cgroup", "time"};

Result<> read_namespaces(const json& lx, Oci& oci) {
  std::set<std::string> seen;
  for (const auto& [n, w] : TRY(objects(lx, "namespaces", "linux"))) {
    Namespace ns;
    ns.type = TRY(string_or(*n, "type", w));
    if (std::none_of(std::begin(kNamespaceTypes), std::end(kNamespaceTypes),
                     [&](const char* t) { return ns.type == t; }))
      return fail_invalid("{}.type: unknown namespace type '{}'", w, ns.type);
    if (!seen.insert(ns.type).second)
      return fail_invalid("{}: the {} namespace is listed twice", w, ns.type);
    ns.path = TRY(string_or(*n, "path", w));
    if (!ns.path.empty() && ns.path[0] != '/')
      return fail_invalid("{}.path: want an absolute path", w);
    oci.namespaces.push_back(std::move(ns));
  }
  return {};
}

Result<> read_devices(const json& lx, Oci& oci) {
  for (const auto& [d, w] : TRY(objects(lx, "devices", "linux"))) {
    Device dev;
    auto path = TRY(string_or(*d, "path", w));
    auto clean = fs::normalize_abs(path);
    if (!clean) return fail_invalid("{}.path: {}", w, clean.error().message);
    dev.path = *clean;
    auto type = TRY(string_or(*d, "type", w));
    if (type != "c" && type != "b" && type != "u" && type != "p")
      return fail_invalid("{}.type: want c, b, u or p, not '{}'", w, type);
    dev.type = type[0];
    auto major = TRY(opt_int<int64_t>(*d, "major", w, 0, 4095));
    auto minor = TRY(opt_int<int64_t>(*d, "minor", w, 0, (1 << 20) - 1));
    if (dev.type != 'p' && (!major || !minor))
      return fail_invalid("{}: major and minor are required for type {}", w, type);
    dev.major = major.value_or(0), dev.minor = minor.value_or(0);
    dev.file_mode = TRY(opt_int<uint32_t>(*d, "fileMode", w, 0, 07777));
    dev.uid = TRY(opt_int<uint32_t>(*d, "uid", w));
    dev.gid = TRY(opt_int<uint32_t>(*d, "gid", w));
    oci.devices.push_back(std::move(dev));
  }
  return {};
}

Result<> read_paths(const json& lx, Oci& oci) {
  for (const char* key : {"maskedPaths", "readonlyPaths"}) {
    auto& list = std::string_view(key) == "maskedPaths" ? oci.masked_paths : oci.readonly_paths;
    for (const auto& p : TRY(strings(lx, key, "linux"))) {
      auto clean = fs::normalize_abs(p);
      if (!clean) return fail_invalid("linux.{}: {}", key, clean.error().message);
      list.push_back(*clean);
    }
  }
  oci.rootfs_propagation = TRY(string_or(lx, "rootfsPropagation", "linux"));
  static const std::set<std::string> kPropagation = {"",        "shared",     "slave",
                                                     "private", "unbindable", "rshared",
                                                     "rslave",  "rprivate",   "runbindable"};
  if (!kPropagation.count(oci.rootfs_propagation))
    return fail_invalid("linux.rootfsPropagation: unknown '{}'", oci.rootfs_propagation);
  return {};
}

Result<> read_personality(const json& lx, Oci& oci) {
  const json* p = TRY(member(lx, "personality", "linux"));
  if (p == nullptr) return {};
  auto domain = TRY(string_or(*p, "domain", "linux.personality"));
  if (domain != "LINUX" && domain != "LINUX32")
    return fail_invalid("linux.personality.domain: want LINUX or LINUX32, not '{}'", domain);
  if (!TRY(strings(*p, "flags", "linux.personality")).empty())
    return fail_invalid("linux.personality.flags: no flags are supported");
  oci.personality = domain == "LINUX" ? 0x0000ul : 0x0008ul;  // PER_LINUX, PER_LINUX32
  return {};
}

Result<> read_time_offsets(const json& lx, Oci& oci) {
  const json* t = TRY(member(lx, "timeOffsets", "linux"));
  if (t == nullptr) return {};
  if (!t->is_object()) return fail_invalid("linux.timeOffsets: want an object");
  for (auto it = t->begin(); it != t->end(); ++it) {
    std::string w = "linux.timeOffsets." + it.key();
    if (it.key() != "monotonic" && it.key() != "boottime")
      return fail_invalid("{}: want monotonic or boottime", w);
    auto secs = TRY(opt_int<int64_t>(it.value(), "secs", w)).value_or(0);
    auto nsecs = TRY(opt_int<uint32_t>(it.value(), "nanosecs", w, 0, 999999999)).value_or(0);
    oci.time_offsets[it.key()] = {secs, nsecs};
  }
  return {};
}

// The network mode and user namespace that the namespace list implies for the shared code.
Result<> apply_namespaces(Spec& s) {
  Oci& oci = *s.oci;
  auto find = [&](const char* type) -> const Namespace* {
    for (const auto& n : oci.namespaces)
      if (n.type == type) return &n;
    return nullptr;
  };
  const Namespace* net = find("network");
  s.network.mode = net == nullptr ? NetworkMode::kHost : NetworkMode::kNone;
  const Namespace* user = find("user");
  s.user_namespace = user != nullptr;
  bool maps = !oci.uid_mappings.empty() || !oci.gid_mappings.empty();
  if (user != nullptr && user->path.empty() &&
      (oci.uid_mappings.empty() || oci.gid_mappings.empty()))
    return fail_invalid("linux.uidMappings and gidMappings: required for a new user namespace");
  if (maps && (user == nullptr || !user->path.empty()))
    return fail_invalid("linux.uidMappings: given without a new user namespace");
  if (!oci.time_offsets.empty() && (find("time") == nullptr || !find("time")->path.empty()))
    return fail_invalid("linux.timeOffsets: given without a new time namespace");
  if (find("uts") == nullptr && oci.has_hostname && !s.hostname.empty())
    return fail_invalid("hostname: set without a new uts namespace");
  return {};
}

// After config.json's device rules, as runc appends them: mknod of any node (the runtime makes
// /dev), the standard devices, ptys, and the nodes linux.devices asks for.
void append_default_device_rules(Oci& oci) {
  auto& rules = oci.resources.devices;
  rules.push_back({true, 'c', -1, -1, "m"});
  rules.push_back({true, 'b', -1, -1, "m"});
  for (auto [major, minor] : std::initializer_list<std::pair<int64_t, int64_t>>{
           {1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}, {10, 200}})
    rules.push_back({true, 'c', major, minor, "rwm"});
  for (const auto& d : oci.devices)
    if (d.type != 'p') rules.push_back({true, d.type == 'b' ? 'b' : 'c', d.major, d.minor, "rwm"});
}

}  // namespace

Result<std::vector<IdMap>> read_id_maps(const json& j, const char* key, const std::string& where) {
  std::vector<IdMap> out;
  for (const auto& [m, w] : TRY(objects(j, key, where))) {
    IdMap map;
    auto c = TRY(opt_int<uint32_t>(*m, "containerID", w));
    auto h = TRY(opt_int<uint32_t>(*m, "hostID", w));
    auto n = TRY(opt_int<uint32_t>(*m, "size", w, 1));
    if (!c || !h || !n) return fail_invalid("{}: containerID, hostID and size are required", w);
    map.container_id = *c, map.host_id = *h, map.size = *n;
    if (uint64_t{*c} + *n > (1ull << 32) || uint64_t{*h} + *n > (1ull << 32))
      return fail_invalid("{}: the range passes 2^32", w);
    out.push_back(map);
  }
  if (out.size() > 340) return fail_invalid("{}.{}: more than 340 ranges", where, key);
  return out;
}

Result<> oci_linux(const json& lx, Spec& s) {
  Oci& oci = *s.oci;
  TRY(read_namespaces(lx, oci));
  oci.uid_mappings = TRY(read_id_maps(lx, "uidMappings", "linux"));
  oci.gid_mappings = TRY(read_id_maps(lx, "gidMappings", "linux"));
  TRY(read_time_offsets(lx, oci));
  TRY(read_devices(lx, oci));
  oci.cgroups_path = TRY(string_or(lx, "cgroupsPath", "linux"));
  if (const json* r = TRY(member(lx, "resources", "linux")))
    TRY(oci_resources(*r, "linux.resources", s.resources, oci.resources));
  oci.sysctl = TRY(string_map(lx, "sysctl", "linux"));
  for (const auto& [k, v] : oci.sysctl)
    if (k.empty() || k.find("..") != std::string::npos || k.find('/') == 0)
      return fail_invalid("linux.sysctl: bad key '{}'", k);
  if (const json* sc = TRY(member(lx, "seccomp", "linux")))
    oci.seccomp = TRY(read_seccomp(*sc, "linux.seccomp"));
  TRY(read_paths(lx, oci));
  TRY(read_personality(lx, oci));
  oci.mount_label = TRY(string_or(lx, "mountLabel", "linux"));
  append_default_device_rules(oci);
  return apply_namespaces(s);
}

}  // namespace nucleus::spec
