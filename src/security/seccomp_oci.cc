#include "security/seccomp_oci.h"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cerrno>
#include <map>

#include <optional>
#include <set>
#include <string>

#include "security/syscall_names.h"

namespace nucleus::security::seccomp {
namespace {

constexpr unsigned kWaitKillableRecv = 1u << 5;  // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (6.0)

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

Result<uint32_t> action_value(const std::string& name, std::optional<uint32_t> errno_ret,
                              uint32_t default_errno) {
  if (name == "SCMP_ACT_ALLOW") return kAllow;
  if (name == "SCMP_ACT_KILL_PROCESS") return kKillProcess;
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return kKillThread;
  if (name == "SCMP_ACT_TRAP") return kTrap;
  if (name == "SCMP_ACT_LOG") return kLog;
  if (name == "SCMP_ACT_NOTIFY") return kNotify;
  if (name == "SCMP_ACT_ERRNO")
    return errno_action(static_cast<int>(errno_ret.value_or(default_errno)));
  if (name == "SCMP_ACT_TRACE") return trace_action(errno_ret.value_or(default_errno));
  return fail_invalid("seccomp: unknown action {}", name);
}

Cmp cmp_of(const std::string& op) {
  if (op == "EQ") return Cmp::kEq;
  if (op == "NE") return Cmp::kNe;
  if (op == "LT") return Cmp::kLt;
  if (op == "LE") return Cmp::kLe;
  if (op == "GT") return Cmp::kGt;
  if (op == "GE") return Cmp::kGe;
  return Cmp::kMaskedEq;
}

}  // namespace

Result<Profile> from_oci(const spec::Seccomp& s) {
  Profile p{AUDIT_ARCH_X86_64, 0, {}};
  p.default_action = TRY(action_value(s.default_action, s.default_errno_ret, EPERM));
  // By syscall number: its conditional rules in order, and its unconditional action.
  std::map<int, Syscall> calls;
  std::vector<int> order;
  std::set<int> unconditional;
  for (const auto& rule : s.syscalls) {
    uint32_t action = TRY(action_value(rule.action, rule.errno_ret, EPERM));
    for (const auto& name : rule.names) {
      auto nr = syscall_number(name);
      if (!nr) continue;
      auto [it, fresh] = calls.try_emplace(*nr, Syscall{*nr, {}, p.default_action});
      if (fresh) order.push_back(*nr);
      if (rule.args.empty()) {
        if (!unconditional.count(*nr)) it->second.fallback = action;
        unconditional.insert(*nr);
        continue;
      }
      Rule r{{}, action};
      for (const auto& a : rule.args)
        r.conds.push_back(
            Cond{a.index, a.value, a.op == "MASKED_EQ" ? a.value_two : a.value, cmp_of(a.op)});
      it->second.rules.push_back(std::move(r));
    }
  }
  for (int nr : order) p.syscalls.push_back(std::move(calls.at(nr)));
  return p;
}

unsigned oci_filter_flags(const spec::Seccomp& s) {
  unsigned out = 0;
  for (const auto& f : s.flags) {
    if (f == "SECCOMP_FILTER_FLAG_TSYNC") out |= SECCOMP_FILTER_FLAG_TSYNC;
    if (f == "SECCOMP_FILTER_FLAG_LOG") out |= SECCOMP_FILTER_FLAG_LOG;
    if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") out |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    if (f == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") out |= kWaitKillableRecv;
  }
  if (s.listener_path.empty()) return out & ~kWaitKillableRecv;  // meaningful with a listener only
  // The kernel refuses TSYNC with a listener (unless TSYNC_ESRCH); the init is single-threaded.
  return (out & ~static_cast<unsigned>(SECCOMP_FILTER_FLAG_TSYNC)) |
         SECCOMP_FILTER_FLAG_NEW_LISTENER;
}

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
