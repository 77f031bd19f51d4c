// A container on a bridge network, seen from the parent: an address leased once its state
// exists, and a veth pair plugged into each init (a restarted container gets a new pair, the
// same address), with the egress guard (net/guard.h) of each init when it has an egress
// policy. The destructor stops the guard, unplugs and gives the address back.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "net/network.h"
#include "net/slirp.h"
#include "process/spawn.h"
#include "spec/spec.h"

namespace nucleus::net {

class Attachment {
 public:
  // null unless the spec asks for a bridge network.
  static std::unique_ptr<Attachment> for_spec(const spec::Spec& s, const std::string& state_root);
  // host_side: the egress policy is enforced in the host's namespace (a gVisor sandbox's).
  Attachment(std::string id, spec::Network network, const std::string& state_root,
             bool host_side = false)
      : id_(std::move(id)),
        network_(std::move(network)),
        state_dir_(state_root + "/" + id_),
        networks_(state_root + "/networks"),
        host_side_(host_side) {}
  Attachment(const Attachment&) = delete;
  ~Attachment();

  // Leases the address (first time), then joins init's network namespace to the bridge: eth0
  // with the address, up, the default route through the bridge, the egress policy and its
  // guard, and the published ports.
  // Without root (user_mode): slirp4netns instead, with the published ports.
  Result<> plug(pid_t init);
  // Its address, once plugged ("" before).
  std::string ip() const;
  // Where the egress guard answers DNS, for resolv.conf: 127.0.0.11 in the container's
  // namespace, the gateway for a host-side guard (once plugged).
  std::string resolver() const;

 private:
  Result<> publish();
  Result<> start_guard(pid_t init, bool first);
  // The guard process itself: in the namespace of `netns_pid`, or in ours (host side) with the
  // descriptors `pass` (net/helper/guard_loop.h: Given).
  Result<> spawn_guard(const nlohmann::json& ruleset, pid_t netns_pid, std::vector<int> pass);
  Result<> start_host_guard();
  void stop_guard();

  std::string id_;
  spec::Network network_;
  std::string state_dir_;
  Networks networks_;
  std::optional<Lease> lease_;
  bool published_ = false;  // the DNAT table outlives restarts, as the address does
  bool host_side_ = false;
  bool host_tables_ = false;  // claimed: removed with the attachment
  std::optional<process::Child> guard_;
  std::optional<Slirp> slirp_;
};

}  // namespace nucleus::net
