// Seccomp profiles as JSON: linux.seccomp of config.json (the OCI format), and profile files in
// Docker's format for `nucleus run --seccomp-profile` (the OCI format plus conditions per entry).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/oci.h"
#include "util/result.h"

namespace nucleus::spec {

// linux.seccomp (or a resolved profile); `where` prefixes every error
// ("linux.seccomp.syscalls[3]").
Result<Seccomp> read_seccomp(const nlohmann::json& sc, const std::string& where);
// The same from JSON text.
Result<Seccomp> parse_seccomp(std::string_view text, const std::string& where);

// What Docker's "includes" and "excludes" of a profile entry are checked against.
struct ProfileTarget {
  std::vector<std::string> caps;  // "CAP_CHOWN" ...: the capabilities the sandbox keeps
  std::string arch = "amd64";     // Go's name, as Docker's profiles spell it
  std::string kernel;             // uname release, for "minKernel"
};

// A profile file in Docker's format resolved for `target`: an entry applies when every
// capability of includes.caps is kept, its includes.arches (if any) has the architecture, the
// kernel is at least includes.minKernel, and none of its excludes holds (any capability of
// excludes.caps kept, the architecture listed, the kernel at least excludes.minKernel). "archMap",
// "comment", "errno" and "defaultErrno" (names of the numbers given beside them) are ignored.
// Returns the profile as linux.seccomp JSON text, checked.
Result<std::string> resolve_profile(std::string_view text, const std::string& where,
                                    const ProfileTarget& target);

}  // namespace nucleus::spec
