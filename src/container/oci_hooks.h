// OCI hooks that run in the runtime's namespaces (prestart, createRuntime, poststart,
// poststop): each a process with the container's state on stdin, killed at its timeout.
#pragma once

#include <string>
#include <vector>

#include "spec/oci.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::container::oci {

// The state document hooks read: id, status, pid, bundle, annotations.
std::string hook_state(const std::string& id, const std::string& status, pid_t pid,
                       const std::string& bundle,
                       const std::map<std::string, std::string>& annotations);
// The same in a sealed memfd (for the child's hooks, which read it from there).
Result<UniqueFd> hook_state_fd(const std::string& state_json);

// Runs the hooks in order; the first failure (non-zero exit, timeout) is the error.
Result<> run_hooks(const std::vector<spec::Hook>& hooks, const std::string& state_json,
                   const char* kind);

}  // namespace nucleus::container::oci
