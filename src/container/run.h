// `nucleus run` in the foreground: the nucleus process is the monitor. It creates the cgroup,
// starts the init, relays, waits, and removes everything it created, whatever happens.
#pragma once

#include <functional>

#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::container {

// The workload's exit code (128+N for signal N), or an Error whose exit_code says 125/126/127.
// started (optional) is called once the command runs (native runtime).
Result<int> run(const spec::Spec& spec, const std::function<void()>& started = {});

}  // namespace nucleus::container
