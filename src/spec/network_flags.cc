// --network none|host|bridge|NAME, --allow-host-network, --dns, --add-host.
#include <algorithm>

#include "net/dns.h"
#include "net/ipv4.h"
#include "spec/run_flags.h"
#include "util/parse.h"

namespace nucleus::spec {
namespace {

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '-' || h.front() == '.') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

// CIDR[:PORT[,PORT...]]; a bare address means /32.
Result<EgressRule> parse_egress_rule(std::string_view text) {
  size_t colon = text.find(':');
  std::string_view where = text.substr(0, colon);
  std::string cidr(where.find('/') == std::string_view::npos ? std::string(where) + "/32" : where);
  auto parsed = net::parse_cidr(cidr);
  if (!parsed) return fail_invalid("--egress-allow '{}': {}", text, parsed.error().message);
  EgressRule r{parsed->str(), {}};
  if (colon != std::string_view::npos) {
    for (auto p : parse::split(text.substr(colon + 1), ',')) {
      auto port = parse::uint(p, 1, 65535);
      if (!port) return fail_invalid("--egress-allow '{}': '{}' is not a port", text, p);
      r.ports.push_back(static_cast<uint16_t>(*port));
    }
  }
  return r;
}

Result<Publish> parse_publish(std::string_view text) {
  auto bad = [&](std::string_view why) -> Error {
    return Error::invalid("-p '{}': {} (want [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp])", text,
                          why);
  };
  Publish p;
  std::string_view spec = text;
  if (size_t slash = spec.rfind('/'); slash != std::string_view::npos) {
    p.proto = std::string(spec.substr(slash + 1));
    if (p.proto != "tcp" && p.proto != "udp") return fail(bad("the protocol is tcp or udp"));
    spec = spec.substr(0, slash);
  }
  auto parts = parse::split(spec, ':');
  if (parts.size() == 3) {
    if (!net::parse_ipv4(parts[0])) return fail(bad("the host address must be IPv4"));
    p.host_ip = std::string(parts[0]);
    parts.erase(parts.begin());
  }
  if (parts.size() != 2) return fail(bad("two ports"));
  auto host = parse::uint(parts[0], 1, 65535), inside = parse::uint(parts[1], 1, 65535);
  if (!host || !inside) return fail(bad("ports are 1..65535"));
  p.host_port = static_cast<uint16_t>(*host);
  p.container_port = static_cast<uint16_t>(*inside);
  return p;
}

}  // namespace

Result<std::vector<std::string>> parse_domains(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& p : patterns) {
    if (!net::dns::valid_pattern(p))
      return fail_invalid(
          "--egress-allow-domain '{}': want a host name (example.com) or *.NAME "
          "(every name below it)",
          p);
    auto name = net::dns::normalize(p);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

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
    // Without root no bridge or veth can be made on the host: slirp4netns gives the container
    // a tap device and NAT from user space.
    n.user_mode = caller.uid != 0;
    if (n.user_mode && f.network != "bridge")
      return fail_invalid(
          "--network {}: named networks need root; without root, --network bridge gives "
          "user-mode networking (slirp4netns)",
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
  if (!f.publish.empty() && n.mode != NetworkMode::kBridge)
    return fail_invalid("-p publishes ports of bridge containers, not of --network {}", f.network);
  for (const auto& p : f.publish) n.publish.push_back(TRY(parse_publish(p)));
  if (!f.egress_allow.empty() || !f.egress_allow_domains.empty() || f.egress_deny_all) {
    if (n.mode != NetworkMode::kBridge)
      return fail_invalid(
          "--egress-allow, --egress-allow-domain and --egress-deny-all apply to bridge "
          "networks, not --network {}",
          f.network);
    if (n.user_mode)
      return fail_invalid(
          "egress policies need root (rootless --network bridge has no egress policy yet)");
    n.egress.enforced = true;
    for (const auto& a : f.egress_allow) n.egress.allow.push_back(TRY(parse_egress_rule(a)));
    n.egress.domains = TRY(parse_domains(f.egress_allow_domains));
  }
  return n;
}

}  // namespace nucleus::spec
