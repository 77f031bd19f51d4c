// `nucleus landlock generate`: the --landlock-policy (spec/landlock_policy.h) that allows what
// the calls of a traced run needed (TraceLog::paths, --seccomp-mode trace) and nothing more:
//
//   # nucleus landlock generate, from a traced run of: ./server --selftest
//   abi = 3
//   [[paths]]
//   path = "/etc/ld.so.cache"
//   access = ["read_file"]
//
// A rule on a directory covers everything beneath it: a rule below one that already grants its
// rights is left out. abi is the lowest that handles every right used.
#pragma once

#include <string>

#include "spec/seccomp_trace.h"

namespace nucleus::spec {

std::string generate_landlock_policy(const TraceLog& log);

}  // namespace nucleus::spec
