// Operations on an existing container, by full ID: signal, stop, pause, wait, remove. Each
// trusts a recorded pid only through a pidfd checked against its start time.
#pragma once

#include <string>

#include "container/state.h"
#include "util/result.h"

namespace nucleus::container {

// Blocks until the container is no longer running (exited, or dead with its monitor); returns
// its state then.
Result<State> wait_stopped(const Store& store, const std::string& id);
// Sends sig to the container's init.
Result<> signal(const Store& store, const std::string& id, int sig);
// SIGTERM, then SIGKILL after timeout_seconds; no restart afterwards. Returns the final state.
Result<State> stop(Store& store, const std::string& id, unsigned timeout_seconds);
// Freezes (or thaws) the container: its cgroup, or under gVisor the sandbox (runsc pause).
Result<> pause(Store& store, const std::string& id, bool paused);
// Removes a stopped container; force kills a running one (and its monitor) first.
Result<> remove(Store& store, const std::string& id, bool force);

}  // namespace nucleus::container
