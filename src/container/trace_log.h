// --seccomp-mode trace: the log (spec/seccomp_trace.h) at the path the Spec names, written
// atomically and never through a symlink, by the process that serves the workload's trace.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "process/launch.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::container {

// Before the first start: an empty, incomplete log, so that the file is known to be writable
// and no older trace stays. Nothing when the Spec is not traced.
Result<> begin_trace_log(const spec::Spec& s);

// What the runs of a container traced (a restarted container's runs add up).
struct TraceTotals {
  std::map<int, uint64_t> calls;          // by number
  std::map<std::string, uint64_t> paths;  // Landlock rights by path
};

// After the workload of `child` ended: its calls and paths added to `total`, and the log
// rewritten, complete.
Result<> end_trace(const spec::Spec& s, process::Launched& child, TraceTotals& total);

}  // namespace nucleus::container
