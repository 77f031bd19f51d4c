// Bridge networks and their address leases. Each network lives in <state root>/networks/<name>/
// (network.json, leases.json), changed only under that directory's lock file; creating one takes
// networks/.lock. A network's bridge, its address and its masquerade table (nftables `ip
// nucleus-<name>`) are brought up by the first lease and stay until `network rm`; IPv4
// forwarding is switched on with the first bridge and restored when the last one goes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/ipv4.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::net {

inline constexpr const char* kDefaultNetwork = "bridge";

struct Network {
  std::string name;
  std::string bridge;  // link name, at most 15 characters
  Cidr subnet;
  uint32_t gateway() const { return subnet.host(1); }
};

struct Lease {
  std::string network;
  std::string container;  // ID
  uint32_t ip = 0;
  int prefix = 0;
  uint32_t gateway = 0;
  std::string link;    // the host end of the container's veth
  std::string bridge;  // the network's bridge
};

class Networks {
 public:
  explicit Networks(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // `network create`: subnet and bridge default to the first free 10.89.N.0/24 and nucleus-N.
  Result<Network> create(const std::string& name, const std::string& subnet,
                         const std::string& bridge);
  Result<std::vector<Network>> list() const;
  // Removes the network, its bridge and table; refused while containers hold addresses.
  Result<> remove(const std::string& name);
  // An address on network `name` for container `id` (the default network is made on first use),
  // with the bridge up.
  Result<Lease> lease(const std::string& name, const std::string& id);
  // Gives back every address of container `id`. remove_veth: also delete its veth now (after a
  // crash); a container that ended normally left none of its processes in its network
  // namespace, and the kernel removes the veth with that namespace (deleting it here would
  // cost two RCU grace periods, ~20 ms, on every exit).
  Result<> release(const std::string& id, bool remove_veth = true);
  // Releases the leases of containers for which `alive` is false (gc); their IDs.
  Result<std::vector<std::string>> collect(const std::function<bool(const std::string&)>& alive);

 private:
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  Result<Network> load(const std::string& name) const;
  Result<Network> create_locked(const std::string& name, const std::string& subnet,
                                const std::string& bridge);
  Result<> bring_up(const Network& n);
  Result<> tear_down(const Network& n);
  Result<UniqueFd> lock(const std::string& name) const;
  std::string dir_;
};

// The host end of a container's veth: "nuc" + the ID's first 12 characters.
std::string veth_name(const std::string& id);

}  // namespace nucleus::net
