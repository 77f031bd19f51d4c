// `nucleus run` in the foreground: the nucleus process is the monitor. It creates the cgroup,
// starts the init, relays, waits, and removes everything it created, whatever happens.
#pragma once

#include <functional>

#include "container/health.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::container {

struct RunOptions {
  std::function<void()> started;  // once the command runs (native runtime)
  Checks checks;
  std::function<void()> ready;  // once the readiness check passes
  std::string restore_from;     // a native checkpoint (verified) to continue instead
};

// The workload's exit code (128+N for signal N), or an Error whose exit_code says 125/126/127.
// A container its health check stopped exits non-zero (1 at least).
Result<int> run(const spec::Spec& spec, const RunOptions& o = {});

}  // namespace nucleus::container
