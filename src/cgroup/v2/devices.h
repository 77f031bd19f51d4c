// cgroup v2 has no devices controller: device access is decided by an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup, which nucleus assembles from the OCI device
// rules with the v1 controller's meaning (the last rule that matches decides; "a" matches every
// device; with no rule at all everything is allowed).
#pragma once

#include <linux/bpf.h>

#include <vector>

#include "spec/oci.h"
#include "util/result.h"

namespace nucleus::cgroup::v2 {

std::vector<bpf_insn> device_program(const std::vector<spec::DeviceRule>& rules);
// Loads the program and attaches it to the cgroup directory `cgroup_fd`.
Result<> attach_device_rules(int cgroup_fd, const std::vector<spec::DeviceRule>& rules);

}  // namespace nucleus::cgroup::v2
