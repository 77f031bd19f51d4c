// Links, addresses and routes over rtnetlink (raw NETLINK_ROUTE messages: no library, whose
// start-up work every nucleus run would pay), in our network namespace or in a container's.
// Runs in the parent (nucleus or the monitor), never in the child.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::net {

class NetlinkMessage;

class Rtnl {
 public:
  static Result<Rtnl> open();  // this network namespace
  // The network namespace of process `pid` (the socket stays bound to it).
  static Result<Rtnl> open_in(pid_t pid);

  std::optional<int> ifindex(const std::string& name);
  Result<int> add_bridge(const std::string& name);  // created down; returns its index
  // A veth pair: `name` here (enslaved to `master`, up), `peer_name` in the network namespace
  // of `peer_pid`.
  Result<> add_veth(const std::string& name, const std::string& peer_name, pid_t peer_pid,
                    int master);
  // IPv4 frames bridged between the bridge's ports pass the inet netfilter hooks
  // (br_netfilter's per-bridge switch, whatever net.bridge.bridge-nf-call-iptables says).
  Result<> hook_bridged_ipv4(int bridge);
  Result<> add_address(int ifindex, uint32_t ip, int prefix);
  Result<> set_up(int ifindex);
  Result<> add_default_route(uint32_t gateway);
  // Removes a link; a missing one is not an error (false).
  Result<bool> remove_link(const std::string& name);

 private:
  explicit Rtnl(UniqueFd fd) : fd_(std::move(fd)) {}
  // Sends the request and reads up to its acknowledgement; the kernel's errno on refusal. A
  // reply before the acknowledgement (of a GET) goes to `reply`.
  Result<> transact(NetlinkMessage& m, const std::string& what, int* reply_index = nullptr);

  UniqueFd fd_;
  uint32_t seq_ = 0;
};

}  // namespace nucleus::net
