#include "container/trace_log.h"

#include "security/syscall_names.h"
#include "spec/seccomp_trace.h"
#include "util/fs.h"
#include "util/log.h"

namespace nucleus::container {
namespace {

Result<> write_log(const spec::Spec& s, const std::map<int, uint64_t>& counts, bool complete) {
  spec::TraceLog log;
  log.command = s.process.args;
  log.complete = complete;
  for (const auto& [nr, n] : counts) {
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

Result<> end_trace(const spec::Spec& s, process::Launched& child, std::map<int, uint64_t>& total) {
  if (!child.trace) return {};
  for (const auto& [nr, n] : child.trace->finish()) total[nr] += n;
  child.trace.reset();
  return write_log(s, total, true);
}

}  // namespace nucleus::container
