// Published ports (-p): which container holds which host port, in <networks>/ports.json under
// networks/.lock, and the container's DNAT table `ip nucleus-pub-<first 12 ID characters>` in
// the host's namespace. Connections to a published port on any local address of the host
// (including 127.0.0.1, through route_localnet on the bridge) reach the container; the table
// goes with the container's address.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::net {

// Records `ports` for container `id`; refused (nothing recorded) when one is taken.
Result<> reserve_ports(const std::string& networks_dir, const std::string& id,
                       const std::vector<spec::Publish>& ports);
// Forgets the ports of `id`; true when it had some.
Result<bool> free_ports(const std::string& networks_dir, const std::string& id);

std::string publish_table(const std::string& id);
nlohmann::json publish_ruleset(const std::string& id, uint32_t container_ip,
                               const std::vector<spec::Publish>& ports);

}  // namespace nucleus::net
