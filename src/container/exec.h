// `nucleus exec`: a new process in a running container. It joins every namespace of the
// container's init (setns through a pidfd) and its cgroup, and gets the container's
// capabilities, no_new_privs, rlimits, seccomp filter and Landlock ruleset.
#pragma once

#include <string>

#include "container/state.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::container {

// The container's spec as its monitor saved it.
Result<spec::Spec> load_spec(const Store& store, const std::string& id);

// detach: return once the command runs (output discarded), as docker exec -d.
// Otherwise the command's exit code, or an Error carrying 125/126/127.
Result<int> exec(const Store& store, const std::string& id, const spec::Process& process,
                 bool detach);

}  // namespace nucleus::container
