// --network none|host|bridge|NAME, --allow-host-network, --dns, --add-host.
#include <algorithm>

#include "net/ipv4.h"
#include "spec/run_flags.h"

namespace nucleus::spec {
namespace {

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '-' || h.front() == '.') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

bool valid_network_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || !std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

Result<Network> parse_network(const RunFlags& f, const Caller& caller) {
  Network n;
  if (f.network == "none") {
    n.mode = NetworkMode::kNone;
  } else if (f.network == "host") {
    if (!f.allow_host_network)
      return fail_invalid(
          "--network host shares the host's network stack with the sandbox: add "
          "--allow-host-network to mean it");
    n.mode = NetworkMode::kHost;
  } else if (valid_network_name(f.network)) {
    n.mode = NetworkMode::kBridge;
    n.name = f.network;
    if (caller.uid != 0)
      return fail_invalid(
          "--network {}: bridge networks need root (rootless networking is not "
          "supported yet)",
          f.network);
  } else {
    return fail_invalid("--network '{}': want none, host, bridge or a network's name", f.network);
  }
  for (const auto& d : f.dns) {
    if (!net::valid_ip(d)) return fail_invalid("--dns '{}' is not an IP address", d);
    n.dns.push_back(d);
  }
  for (const auto& h : f.add_hosts) {
    size_t colon = h.find(':');
    std::string name = h.substr(0, colon),
                ip = colon == std::string::npos ? "" : h.substr(colon + 1);
    if (!valid_host_name(name) || !net::valid_ip(ip))
      return fail_invalid("--add-host '{}': want NAME:IP", h);
    n.hosts.push_back({name, ip});
  }
  return n;
}

}  // namespace nucleus::spec
