#include "spec/seccomp_json.h"

#include <algorithm>
#include <set>

#include "spec/json_read.h"

namespace nucleus::spec {
namespace {

using namespace json_read;  // NOLINT(google-build-using-namespace)

// "6.18.0-1-amd64" or "4.8" -> {6, 18}; nullopt when it does not start with MAJOR.MINOR.
std::optional<std::pair<int, int>> kernel_version(std::string_view v) {
  int major = 0, minor = 0;
  size_t i = 0;
  auto number = [&](int& out) {
    size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9' && i - start < 6)
      out = out * 10 + (v[i++] - '0');
    return i > start;
  };
  if (!number(major) || i >= v.size() || v[i++] != '.' || !number(minor)) return std::nullopt;
  return std::make_pair(major, minor);
}

// Whether a Docker condition object ("includes" or "excludes") holds for the target; `all_caps`:
// every listed capability must be kept (includes), or any one (excludes).
Result<bool> condition_holds(const json& entry, const char* key, const std::string& where,
                             const ProfileTarget& t, bool all_caps) {
  const json* c = TRY(member(entry, key, where));
  if (c == nullptr) return all_caps;  // no includes: applies; no excludes: nothing excludes
  std::string w = at(where, key);
  auto caps = TRY(strings(*c, "caps", w));
  auto arches = TRY(strings(*c, "arches", w));
  auto min_kernel = TRY(opt_string(*c, "minKernel", w));
  auto kept = [&](const std::string& cap) {
    return std::find(t.caps.begin(), t.caps.end(), cap) != t.caps.end();
  };
  bool arch = std::find(arches.begin(), arches.end(), t.arch) != arches.end();
  bool kernel = false;
  if (min_kernel) {
    auto want = kernel_version(*min_kernel);
    if (!want) return fail_invalid("{}.minKernel: want MAJOR.MINOR, not '{}'", w, *min_kernel);
    auto have = kernel_version(t.kernel);
    kernel = have && *have >= *want;
  }
  if (all_caps) {  // includes: each given condition must hold
    return std::all_of(caps.begin(), caps.end(), kept) && (arches.empty() || arch) &&
           (!min_kernel || kernel);
  }
  return std::any_of(caps.begin(), caps.end(), kept) || arch || kernel;  // excludes: any
}

}  // namespace

Result<Seccomp> read_seccomp(const json& sc, const std::string& w) {
  static const std::set<std::string> kActions = {
      "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
      "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
  static const std::set<std::string> kOps = {"NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ"};
  Seccomp out;
  out.default_action = TRY(string_or(sc, "defaultAction", w));
  if (!kActions.count(out.default_action))
    return fail_invalid("{}.defaultAction: unknown action '{}'", w, out.default_action);
  out.default_errno_ret = TRY(opt_int<uint32_t>(sc, "defaultErrnoRet", w, 0, 4095));
  out.architectures = TRY(strings(sc, "architectures", w));
  out.flags = TRY(strings(sc, "flags", w));
  for (const auto& f : out.flags)
    if (f != "SECCOMP_FILTER_FLAG_TSYNC" && f != "SECCOMP_FILTER_FLAG_LOG" &&
        f != "SECCOMP_FILTER_FLAG_SPEC_ALLOW" && f != "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
      return fail_invalid("{}.flags: unknown flag '{}'", w, f);
  out.listener_path = TRY(string_or(sc, "listenerPath", w));
  out.listener_metadata = TRY(string_or(sc, "listenerMetadata", w));
  for (const auto& [r, rw] : TRY(objects(sc, "syscalls", w))) {
    SeccompRule rule;
    rule.names = TRY(strings(*r, "names", rw));
    if (rule.names.empty()) return fail_invalid("{}.names: want at least one name", rw);
    rule.action = TRY(string_or(*r, "action", rw));
    if (!kActions.count(rule.action))
      return fail_invalid("{}.action: unknown action '{}'", rw, rule.action);
    if (rule.action == "SCMP_ACT_NOTIFY" && out.listener_path.empty())
      return fail_invalid("{}.action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath", rw);
    rule.errno_ret = TRY(opt_int<uint32_t>(*r, "errnoRet", rw, 0, 4095));
    for (const auto& [a, aw] : TRY(objects(*r, "args", rw))) {
      SeccompArg arg;
      arg.index = TRY(opt_int<unsigned>(*a, "index", aw, 0, 5)).value_or(0);
      arg.value = TRY(opt_int<uint64_t>(*a, "value", aw)).value_or(0);
      arg.value_two = TRY(opt_int<uint64_t>(*a, "valueTwo", aw)).value_or(0);
      auto op = TRY(string_or(*a, "op", aw));
      if (op.rfind("SCMP_CMP_", 0) != 0 || !kOps.count(op.substr(9)))
        return fail_invalid("{}.op: unknown comparison '{}'", aw, op);
      arg.op = op.substr(9);
      rule.args.push_back(arg);
    }
    out.syscalls.push_back(std::move(rule));
  }
  if (out.default_action == "SCMP_ACT_NOTIFY")
    return fail_invalid("{}.defaultAction: SCMP_ACT_NOTIFY cannot be the default", w);
  return out;
}

Result<Seccomp> parse_seccomp(std::string_view text, const std::string& where) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail_invalid("{}: not valid JSON", where);
  return read_seccomp(j, where);
}

Result<std::string> resolve_profile(std::string_view text, const std::string& where,
                                    const ProfileTarget& target) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail_invalid("{}: not valid JSON", where);
  if (!j.is_object()) return fail_invalid("{}: want an object", where);
  // Notified calls would wait for an agent that a nucleus sandbox does not have.
  if (j.contains("listenerPath"))
    return fail_invalid("{}: listenerPath is for OCI containers (an engine's seccomp agent)",
                        where);
  json out = json::object();
  for (const char* key : {"defaultAction", "defaultErrnoRet", "architectures", "flags"})
    if (j.contains(key)) out[key] = j[key];
  out["syscalls"] = json::array();
  for (const auto& [e, w] : TRY(objects(j, "syscalls", where))) {
    if (!TRY(condition_holds(*e, "includes", w, target, true))) continue;
    if (TRY(condition_holds(*e, "excludes", w, target, false))) continue;
    json entry = json::object();
    for (const char* key : {"names", "action", "errnoRet", "args"})
      if (e->contains(key)) entry[key] = (*e)[key];
    // Docker's older profiles name one syscall per entry.
    if (auto name = TRY(opt_string(*e, "name", w))) entry["names"] = json::array({*name});
    out["syscalls"].push_back(std::move(entry));
  }
  TRY(read_seccomp(out, where));  // the rest is checked as linux.seccomp is
  return out.dump();
}

}  // namespace nucleus::spec
