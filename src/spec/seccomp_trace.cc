#include "spec/seccomp_trace.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "security/landlock.h"
#include "security/seccomp_profile.h"
#include "security/syscall_names.h"

namespace nucleus::spec {

using nlohmann::json;

namespace {
constexpr const char* kArch = "SCMP_ARCH_X86_64";
}

std::string trace_log_json(const TraceLog& log) {
  json j = {{"nucleusSeccompTrace", 1}, {"architecture", kArch},    {"command", log.command},
            {"complete", log.complete}, {"syscalls", log.syscalls}, {"paths", json::object()}};
  for (const auto& [path, rights] : log.paths)
    j["paths"][path] = security::landlock::fs_right_names(rights);
  return j.dump(2) + "\n";
}

Result<TraceLog> parse_trace_log(std::string_view text, const std::string& where) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail_invalid("{}: not JSON (want the --seccomp-log of a traced run)", where);
  if (j.value("nucleusSeccompTrace", json()) != 1 || j.value("architecture", json()) != kArch)
    return fail_invalid("{}: not a nucleus seccomp trace of version 1 for {}", where, kArch);
  TraceLog log;
  const json& calls = j.value("syscalls", json());
  if (!calls.is_object()) return fail_invalid("{}: syscalls wants an object", where);
  for (const auto& [name, count] : calls.items()) {
    if (!security::seccomp::syscall_number(name))
      return fail_invalid("{}: unknown system call '{}'", where, name);
    if (!count.is_number_unsigned())
      return fail_invalid("{}: syscalls.{} wants a count", where, name);
    log.syscalls[name] = count.get<uint64_t>();
  }
  const json& paths = j.value("paths", json::object());
  if (!paths.is_object()) return fail_invalid("{}: paths wants an object", where);
  for (const auto& [path, rights] : paths.items()) {
    if (path.empty() || path[0] != '/')
      return fail_invalid("{}: paths: '{}' is not an absolute path", where, path);
    if (!rights.is_array()) return fail_invalid("{}: paths.{} wants a list of rights", where, path);
    uint64_t bits = 0;
    for (const auto& r : rights) {
      const auto& names = security::landlock::kFsRightNames;
      auto it = std::find_if(names.begin(), names.end(), [&](auto& n) {
        return r.is_string() && n.first == r.get<std::string>();
      });
      if (it == names.end())
        return fail_invalid("{}: paths.{}: unknown Landlock right {}", where, path, r.dump());
      bits |= it->second;
    }
    log.paths[path] = bits;
  }
  const json& command = j.value("command", json::array());
  for (const auto& a : command)
    if (a.is_string()) log.command.push_back(a.get<std::string>());
  const json& complete = j.value("complete", json(false));
  log.complete = complete.is_boolean() && complete.get<bool>();
  return log;
}

std::string generate_profile(const TraceLog& log) {
  std::set<std::string> names;
  for (const auto& [name, count] : log.syscalls) names.insert(name);
  for (int nr : security::seccomp::runtime_syscalls())
    names.emplace(security::seccomp::syscall_name(nr));
  json j = {{"defaultAction", "SCMP_ACT_ERRNO"},
            {"defaultErrnoRet", 1},
            {"architectures", {kArch}},
            {"syscalls", {{{"names", names}, {"action", "SCMP_ACT_ALLOW"}}}}};
  return j.dump(2) + "\n";
}

}  // namespace nucleus::spec
