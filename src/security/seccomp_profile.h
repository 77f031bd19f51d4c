// The default seccomp profile: an allowlist that runs ordinary programs (shells, python3, gcc,
// git, servers) and nothing that reaches into the kernel's administrative surface.
#pragma once

#include "security/seccomp_bpf.h"

namespace nucleus::security::seccomp {

// Unlisted syscalls kill the process. Known-dangerous ones (mount, unshare, setns, ptrace, bpf,
// keyctl, perf_event_open, userfaultfd, io_uring, open_by_handle_at, kexec, modules, ...) fail
// with EPERM, so that programs probing for them see an ordinary error.
Profile default_profile();

}  // namespace nucleus::security::seccomp
