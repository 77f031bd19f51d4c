// Links, addresses and routes over rtnetlink (libnl-route), in our network namespace or in a
// container's. Runs in the parent (nucleus or the monitor), never in the child.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "util/result.h"

struct nl_sock;

namespace nucleus::net {

class Rtnl {
 public:
  static Result<Rtnl> open();  // this network namespace
  // The network namespace of process `pid` (the socket stays bound to it).
  static Result<Rtnl> open_in(pid_t pid);
  Rtnl(Rtnl&& o) noexcept : sock_(o.sock_) { o.sock_ = nullptr; }
  Rtnl& operator=(Rtnl&&) = delete;
  ~Rtnl();

  std::optional<int> ifindex(const std::string& name);
  Result<int> add_bridge(const std::string& name);  // created down; returns its index
  // A veth pair: `name` here (enslaved to `master`, up), `peer_name` in the network namespace
  // of `peer_pid`.
  Result<> add_veth(const std::string& name, const std::string& peer_name, pid_t peer_pid,
                    int master);
  Result<> add_address(int ifindex, uint32_t ip, int prefix);
  Result<> set_up(int ifindex);
  Result<> add_default_route(uint32_t gateway);
  // Removes a link; a missing one is not an error (false).
  Result<bool> remove_link(const std::string& name);

 private:
  explicit Rtnl(nl_sock* s) : sock_(s) {}
  nl_sock* sock_;
};

}  // namespace nucleus::net
