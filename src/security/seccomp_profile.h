// The default seccomp profile: an allowlist that runs ordinary programs (shells, python3, gcc,
// git, servers) and nothing that reaches into the kernel's administrative surface.
#pragma once

#include <array>

#include "security/seccomp_bpf.h"

namespace nucleus::security::seccomp {

// Unlisted syscalls kill the process. Known-dangerous ones (mount, unshare, setns, ptrace, bpf,
// keyctl, perf_event_open, userfaultfd, io_uring, open_by_handle_at, kexec, modules, ...) fail
// with EPERM, so that programs probing for them see an ordinary error.
Profile default_profile();

// What nucleus's own child calls once the filter is loaded (the listener closed, the last
// report sent, execve, _exit on a failure): any profile must allow these, and a generated one
// lists them.
const std::array<int, 4>& runtime_syscalls();

// --seccomp-mode trace: every x86_64 system call of the workload reaches the listener (which
// lets it continue), those of runtime_syscalls() pass as they are. 32-bit and x32 calls are
// killed, as in every profile.
Profile trace_profile();

}  // namespace nucleus::security::seccomp
