// Seccomp profiles in the OCI runtime-spec format (linux.seccomp of config.json; Docker's
// profile files are the same shape).
#pragma once

#include <nlohmann/json.hpp>

#include "security/seccomp_bpf.h"

namespace nucleus::security::seccomp {

// The profile as linux.seccomp, for runsc --oci-seccomp. A syscall's rules become one entry each,
// in order, then an entry for its fallback: runsc tries entries in order and the first match
// decides, as compile() does (libseccomp-based runtimes would not keep that order).
// kill: how a killing action is spelled (runsc releases before 2023 know no
// SCMP_ACT_KILL_PROCESS; SCMP_ACT_TRAP ends the process with SIGSYS unless it catches it).
nlohmann::json to_oci(const Profile& p, const char* kill = "SCMP_ACT_KILL_PROCESS");

}  // namespace nucleus::security::seccomp
