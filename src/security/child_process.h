// Child side of process hardening: rlimits, user and groups, capabilities, no_new_privs,
// seccomp. noexcept, allocation-free; each returns an empty ChildError on success.
#pragma once

#include "plan/plan.h"
#include "util/child_error.h"

namespace nucleus::security {

ChildError child_set_rlimits(const plan::Plan& p) noexcept;
// Switches to the plan's uid/gid (supplementary groups: none) and leaves only the kept
// capabilities in every set, bounding and ambient included.
ChildError child_set_identity(const plan::Plan& p) noexcept;
ChildError child_no_new_privs(const plan::Plan& p) noexcept;
// With plan.seccomp_listener, *listener receives the notification descriptor.
ChildError child_load_seccomp(const plan::Plan& p, int* listener = nullptr) noexcept;

}  // namespace nucleus::security
