// Which nameservers a bridge container asks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/spec.h"

namespace nucleus::net {

// The host's /etc/resolv.conf; behind systemd-resolved's stub, the file of its upstream servers.
std::string host_resolv_conf();

// --dns when given; else the host's nameservers that another network namespace can reach (not
// loopback); else, as docker, 8.8.8.8 and 8.8.4.4.
std::vector<std::string> bridge_nameservers(const spec::Network& n, std::string_view host_text);

}  // namespace nucleus::net
