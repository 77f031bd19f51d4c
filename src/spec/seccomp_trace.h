// The file `nucleus run --seccomp-mode trace --seccomp-log FILE` writes, and the allowlist
// profile `nucleus seccomp generate` makes of it:
//
//   {"nucleusSeccompTrace": 1, "architecture": "SCMP_ARCH_X86_64", "command": ["sh", "-c", ...],
//    "complete": true, "syscalls": {"read": 12, "openat": 3, ...},
//    "paths": {"/etc/passwd": ["read_file"], "/tmp": ["make_reg", "write_file"], ...}}
//
// complete is false until the workload has ended (a log of a running or killed trace). paths
// (the Landlock rights the calls needed, process/access_trace.h) is what `nucleus landlock
// generate` makes a policy of (spec/landlock_generate.h); a log without it has none.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace nucleus::spec {

struct TraceLog {
  std::vector<std::string> command;
  bool complete = false;
  std::map<std::string, uint64_t> syscalls;  // name -> calls counted
  std::map<std::string, uint64_t> paths;     // absolute path -> Landlock rights
};

std::string trace_log_json(const TraceLog& log);
// where: for the errors (the file's name).
Result<TraceLog> parse_trace_log(std::string_view text, const std::string& where);

// A profile in Docker's (and the OCI) format: the traced calls and what nucleus itself calls
// after the filter is loaded (security::seccomp::runtime_syscalls) allowed, everything else
// failing with EPERM, as Docker's default does; x86_64 only.
std::string generate_profile(const TraceLog& log);

}  // namespace nucleus::spec
