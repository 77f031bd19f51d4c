// A container on a bridge network, seen from the parent: an address leased once its state
// exists, and a veth pair plugged into each init (a restarted container gets a new pair, the
// same address). The destructor unplugs and gives the address back.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>

#include "net/network.h"
#include "spec/spec.h"

namespace nucleus::net {

class Attachment {
 public:
  // null unless the spec asks for a bridge network.
  static std::unique_ptr<Attachment> for_spec(const spec::Spec& s, const std::string& state_root);
  Attachment(std::string id, spec::Network network, std::string networks_dir)
      : id_(std::move(id)),
        network_(std::move(network)),
        dir_(networks_dir),
        networks_(std::move(networks_dir)) {}
  Attachment(const Attachment&) = delete;
  ~Attachment();

  // Leases the address (first time), then joins init's network namespace to the bridge: eth0
  // with the address, up, the default route through the bridge, the egress policy, and the
  // published ports.
  Result<> plug(pid_t init);
  const std::optional<Lease>& lease() const { return lease_; }

 private:
  Result<> publish();

  std::string id_;
  spec::Network network_;
  std::string dir_;
  Networks networks_;
  std::optional<Lease> lease_;
  bool published_ = false;  // the DNAT table outlives restarts, as the address does
};

}  // namespace nucleus::net
