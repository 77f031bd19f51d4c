#include "security/seccomp_oci.h"

#include <linux/audit.h>

#include <optional>
#include <set>
#include <string>

#include "security/syscall_names.h"

namespace nucleus::security::seccomp {
namespace {

using nlohmann::json;

struct OciAction {
  const char* name;
  std::optional<uint32_t> errno_ret;
};

OciAction oci_action(uint32_t action, const char* kill) {
  switch (action & 0xffff0000u) {
    case kAllow:
      return {"SCMP_ACT_ALLOW", {}};
    case kKillProcess:
      return {kill, {}};
    case kLog:
      return {"SCMP_ACT_LOG", {}};
    case errno_action(0):
      return {"SCMP_ACT_ERRNO", action & 0xffffu};
    default:
      return {"SCMP_ACT_KILL_THREAD", {}};
  }
}

json entry(std::string_view name, uint32_t action, const char* kill) {
  auto a = oci_action(action, kill);
  json e{{"names", {std::string(name)}}, {"action", a.name}};
  if (a.errno_ret) e["errnoRet"] = *a.errno_ret;
  return e;
}

bool same_action(const json& a, const json& b) {
  return a["action"] == b["action"] && a.value("errnoRet", 0u) == b.value("errnoRet", 0u);
}

}  // namespace

json to_oci(const Profile& p, const char* kill) {
  auto fallback = oci_action(p.default_action, kill);
  json out{
      {"defaultAction", fallback.name},
      {"architectures", {p.arch == AUDIT_ARCH_X86_64 ? "SCMP_ARCH_X86_64" : "SCMP_ARCH_NATIVE"}},
      {"syscalls", json::array()}};
  if (fallback.errno_ret) out["defaultErrnoRet"] = *fallback.errno_ret;
  json& list = out["syscalls"];
  std::set<int> seen;  // as compile(): a syscall's first entry counts
  for (const auto& sc : p.syscalls) {
    std::string_view name = syscall_name(sc.nr);
    // A number the table lacks gets the default action, as one the profile does not list.
    if (name.empty() || !seen.insert(sc.nr).second) continue;
    for (const auto& r : sc.rules) {
      json e = entry(name, r.action, kill);
      for (const auto& c : r.conds)
        e["args"].push_back({{"index", c.arg},
                             {"value", c.mask},
                             {"valueTwo", c.value},
                             {"op", "SCMP_CMP_MASKED_EQ"}});
      list.push_back(std::move(e));
    }
    json last = entry(name, sc.fallback, kill);
    // Unconditional entries next to one another with the same action share it.
    if (sc.rules.empty() && !list.empty() && !list.back().contains("args") &&
        same_action(list.back(), last)) {
      list.back()["names"].push_back(std::string(name));
      continue;
    }
    list.push_back(std::move(last));
  }
  return out;
}

}  // namespace nucleus::security::seccomp
