// --landlock-policy FILE: Landlock rules in TOML (util/toml_subset.h), instead of (or on top
// of) nucleus's own.
//
//   abi = 4                          the lowest Landlock ABI this policy accepts (default 1)
//   defaults = true                  start from nucleus's rules for the sandbox (default false)
//   scopes = ["signal", "abstract-unix"]               ABI 6
//   [[paths]]
//   path = "/srv/data"               absolute, inside the sandbox
//   access = ["read", "write"]       read, write, execute, or single Landlock rights
//   [[ports]]                        ABI 4: with any [[ports]] (or tcp = "deny"), TCP bind
//   port = 8080                      and connect are allowed on the listed ports only
//   access = ["bind", "connect"]
//
// Unknown keys, rights, scopes or a bad path are errors naming the line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "security/landlock.h"
#include "util/result.h"

namespace nucleus::spec {

struct LandlockPolicy {
  int min_abi = 1;
  bool defaults = false;
  std::vector<security::landlock::PathRule> paths;
  bool tcp = false;  // TCP bind/connect handled: only ports' rules allow them
  std::vector<security::landlock::PortRule> ports;
  uint64_t scopes = 0;
};

// where: the option, for the errors ("--landlock-policy").
Result<LandlockPolicy> parse_landlock_policy(std::string_view toml, const std::string& where);

}  // namespace nucleus::spec
