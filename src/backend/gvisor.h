// --runtime gvisor: the same Spec under gVisor's runsc (an application kernel between the
// workload and the host). nucleus writes the OCI bundle (backend/oci_bundle.h) and runs runsc
// directly, with its own --root under the state directory.
#pragma once

#include <string>

#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::backend::gvisor {

// runsc at a fixed system path (never through PATH), root-owned, not group- or world-writable.
Result<std::string> find_runsc();

// The platform to use: the requested one, or the best that works here (kvm when it starts a
// sandbox within 5 s, else ptrace), probed once and cached under the state directory.
Result<std::string> choose_platform(const std::string& runsc, const std::string& requested);

// A foreground run; the workload's exit code (128+N for signal N).
Result<int> run(const spec::Spec& s);

// The bundles and runsc state of sandboxes whose nucleus is gone (for gc).
void collect(const std::string& id);

}  // namespace nucleus::backend::gvisor
