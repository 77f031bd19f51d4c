// The egress policy of a bridge container as nftables rules. Loopback and replies pass; allowed
// destinations pass; every other TCP connection is reset (ECONNREFUSED) and everything else
// rejected with an ICMP "administratively prohibited" (a local UDP send fails with EPERM): a
// denial fails at once, never by a timeout. Addresses that allowed names resolve to join the
// `dns4` set, with timeouts, through the guard (net/guard.h), which also logs each denial from
// the nflog group.
//
// A native container's policy is a table (`inet nucleus-egress`) in its own network namespace,
// where its workload, without CAP_NET_ADMIN, cannot change it. A gVisor sandbox's packets leave
// through a packet socket of runsc's own network stack, which its namespace's netfilter hooks
// never see: its policy is enforced in the host's namespace instead (host_ruleset), on what
// arrives from its address on the bridge, routed or bridged.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "net/guard.h"
#include "spec/spec.h"

namespace nucleus::net {

nlohmann::json egress_ruleset(const spec::Egress& egress);

// Where a host-side policy applies, and what its guard bound.
struct HostSide {
  std::string table;  // host_table(id), in both the inet and the bridge family
  std::string port;   // the host end of the container's veth, a port of the bridge
  uint32_t ip = 0;    // the container's address
  uint32_t gateway = 0;
  uint16_t resolver_port = 0;  // the guard's DNS socket on the gateway; 0: no resolver
  uint16_t log_group = 0;      // the guard's nflog group
  // Bridged IPv4 passes the inet hooks (br_netfilter, switched on for the bridge). Without it,
  // frames from the sandbox to other ports of the bridge are dropped: no same-network traffic.
  bool bridged_ipv4_hooked = true;
};

// "nucleus-egress-" + the ID's first 12 characters.
std::string host_table(const std::string& id);

// The host-side policy:
//  - `bridge` table: only ARP and IPv4 from the container's own address enter the bridge from
//    its port (the address the inet rules key on cannot be spoofed);
//  - `inet` table: what comes from that address, forwarded (out through NAT, or bridged to
//    another container) or to the host itself, goes through the policy; UDP 53 to any server is
//    turned toward the guard's resolver on the gateway.
// Any previous tables of that name are replaced in the same batch (a restarted sandbox).
nlohmann::json host_ruleset(const spec::Egress& egress, const HostSide& h);

// Commands that remove both tables (absent ones are no error).
nlohmann::json delete_host_tables(const std::string& table);

}  // namespace nucleus::net
