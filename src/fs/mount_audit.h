// --service-mode production: once the container's root is assembled and before the command
// runs, the parent reads the init's /proc/PID/mountinfo and refuses the start when a mount lacks
// a required flag: "/" read-only; every mount nosuid; every mount nodev but devpts and single
// device nodes bound from devtmpfs; every writable mount noexec.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "util/result.h"

namespace nucleus::fs {

// The check itself, on mountinfo's text (for tests).
Result<> audit_mountinfo(std::string_view mountinfo);
Result<> audit_mounts(pid_t pid);

}  // namespace nucleus::fs
