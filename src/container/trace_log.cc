#include "container/trace_log.h"

#include "plan/build.h"
#include "security/landlock.h"
#include "security/syscall_names.h"
#include "spec/seccomp_trace.h"
#include "util/fs.h"
#include "util/log.h"

namespace nucleus::container {
namespace {

Result<> write_log(const spec::Spec& s, const TraceTotals& t, bool complete) {
  spec::TraceLog log;
  log.command = s.process.args;
  log.complete = complete;
  // Only the rights this kernel's Landlock handles (what the generated policy's abi asks for):
  // a policy made here runs here.
  uint64_t handled = security::landlock::handled_fs(plan::probe_host().landlock_abi);
  for (const auto& [path, rights] : t.paths)
    if (rights & handled) log.paths[path] = rights & handled;
  for (const auto& [nr, n] : t.calls) {
    std::string_view name = security::seccomp::syscall_name(nr);
    if (name.empty()) {
      log::warn("--seccomp-log: system call {} has no name here; it is left out", nr);
      continue;
    }
    log.syscalls[std::string(name)] += n;
  }
  auto [dir, name] = fs::split_last(s.security.seccomp_trace_log);
  TRY_CTX(fs::write_atomic(dir, name, spec::trace_log_json(log), /*durable=*/false),
          "--seccomp-log");
  return {};
}

}  // namespace

Result<> begin_trace_log(const spec::Spec& s) {
  const std::string& path = s.security.seccomp_trace_log;
  if (path.empty()) return {};
  auto dir = TRY_CTX(fs::kind_of(fs::split_last(path).first), "--seccomp-log");
  if (dir != fs::Kind::kDirectory)
    return fail_invalid("--seccomp-log {}: {} is a {}, not a directory", path,
                        fs::split_last(path).first, fs::kind_name(dir));
  auto kind = TRY_CTX(fs::kind_of(path), "--seccomp-log");
  if (kind != fs::Kind::kMissing && kind != fs::Kind::kRegular)
    return fail_invalid("--seccomp-log {} is a {}, not a regular file", path, fs::kind_name(kind));
  return write_log(s, {}, false);
}

Result<> end_trace(const spec::Spec& s, process::Launched& child, TraceTotals& total) {
  if (!child.trace) return {};
  for (const auto& [nr, n] : child.trace->finish()) total.calls[nr] += n;
  for (const auto& [path, rights] : child.trace->take_paths()) total.paths[path] |= rights;
  child.trace.reset();
  return write_log(s, total, true);
}

}  // namespace nucleus::container
