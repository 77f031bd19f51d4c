// The egress policy of a bridge container as an nftables table (`inet nucleus-egress`) in the
// container's own network namespace, where its workload, without CAP_NET_ADMIN, cannot change
// it. Loopback and replies pass; allowed destinations pass; every other TCP connection is reset
// (ECONNREFUSED) and everything else rejected with an ICMP "administratively prohibited" (a
// local UDP send fails with EPERM): a denial fails at once, never by a timeout. Addresses that
// allowed names resolve to join the `dns4` set, with timeouts, through the guard (net/guard.h),
// which also logs each denial from the nflog group.
#pragma once

#include <nlohmann/json.hpp>

#include "spec/spec.h"

namespace nucleus::net {

inline constexpr const char* kEgressTable = "nucleus-egress";

nlohmann::json egress_ruleset(const spec::Egress& egress);

}  // namespace nucleus::net
