// A Spec as an OCI bundle, for runtimes that take one (gVisor's runsc): config.json, and a root
// directory holding what nucleus would create in the container's root (mount points, the
// generated /etc, the context copy). The plan's mount operations are translated one by one,
// so both runtimes get the same filesystem.
#pragma once

#include <string>

#include "plan/plan.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::backend {

// Creates bundle_dir (0700, must not exist) with config.json and, for the agent root, rootfs/;
// a context copy goes to context/. Nothing is followed through a symlink. netns: the network
// namespace to join (bridge mode), or "" for a new one.
Result<> write_bundle(const spec::Spec& s, const plan::Plan& p, const std::string& bundle_dir,
                      const std::string& netns);

// config.json alone (exposed for tests): root_path is the bundle's root directory.
std::string oci_config(const spec::Spec& s, const plan::Plan& p, const std::string& root_path,
                       const std::string& context_copy, const std::string& netns = "");

// The "process" object of config.json (runsc exec --process takes the same).
std::string process_config(const spec::Spec& s, const spec::Process& process);

}  // namespace nucleus::backend
