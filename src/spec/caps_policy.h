// --caps-policy FILE: the capabilities the workload keeps, per set, in TOML
// (util/toml_subset.h), instead of --cap-add's one list kept everywhere.
//
//   bounding    = ["NET_BIND_SERVICE", "CHOWN"]    the most that can ever be held
//   permitted   = ["NET_BIND_SERVICE", "CHOWN"]
//   effective   = ["NET_BIND_SERVICE"]
//   inheritable = ["NET_BIND_SERVICE"]
//   ambient     = ["NET_BIND_SERVICE"]             what a non-root workload keeps across execve
//
// A set not named is empty; names take "CAP_" or not, any case. `keep = [...]` alone is
// --cap-add's shorthand (every set; ambient for a non-root user). The kernel's own rules are
// checked here, so a policy that could not be applied is refused before anything starts:
// effective within permitted, permitted and inheritable within bounding, ambient within
// permitted and inheritable. Unknown keys or capability names are errors naming the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/oci.h"
#include "util/result.h"

namespace nucleus::spec {

struct CapsPolicy {
  bool sets = false;      // the five sets below apply; otherwise keep, as --cap-add
  std::vector<int> keep;  // capability numbers
  Capabilities caps;
};

// where: the option, for the errors ("--caps-policy").
Result<CapsPolicy> parse_caps_policy(std::string_view toml, const std::string& where);

}  // namespace nucleus::spec
