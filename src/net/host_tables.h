// The host-side egress tables of gVisor sandboxes (net/egress.h: host_ruleset), recorded in
// <networks>/host-tables.json under networks/.lock before they are made, so that the tables of
// a nucleus that was killed are removed with its address (Networks::release, from gc).
#pragma once

#include <string>

#include "util/result.h"

namespace nucleus::net {

Result<> claim_host_tables(const std::string& networks_dir, const std::string& id);
// Removes the tables of container `id`, if it has any, and forgets them.
Result<> drop_host_tables(const std::string& networks_dir, const std::string& id);

}  // namespace nucleus::net
