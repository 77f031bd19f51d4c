// Seccomp profiles in the OCI runtime-spec format (linux.seccomp of config.json; Docker's
// profile files are the same shape).
#pragma once

#include <nlohmann/json.hpp>

#include "security/seccomp_bpf.h"
#include "spec/oci.h"
#include "util/result.h"

namespace nucleus::security::seccomp {

// The profile as linux.seccomp, for runsc --oci-seccomp. A syscall's rules become one entry each,
// in order, then an entry for its fallback: runsc tries entries in order and the first match
// decides, as compile() does (libseccomp-based runtimes would not keep that order).
// kill: how a killing action is spelled (runsc releases before 2023 know no
// SCMP_ACT_KILL_PROCESS; SCMP_ACT_TRAP ends the process with SIGSYS unless it catches it).
nlohmann::json to_oci(const Profile& p, const char* kill = "SCMP_ACT_KILL_PROCESS");

// linux.seccomp of a config.json as a Profile for compile(). Per syscall, the entries with
// arguments are tried in their order and the first whose comparisons all hold decides; an
// entry without arguments is the syscall's action otherwise (the first such entry counts),
// else defaultAction. Names this kernel's table lacks are skipped, as runc does. Only the
// x86_64 ABI is let through: 32-bit and x32 calls are killed whatever the architectures say.
Result<Profile> from_oci(const spec::Seccomp& s);
// SECCOMP_FILTER_FLAG_* of linux.seccomp.flags.
unsigned oci_filter_flags(const spec::Seccomp& s);

}  // namespace nucleus::security::seccomp
