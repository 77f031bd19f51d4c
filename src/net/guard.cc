#include "net/guard.h"

#include <nlohmann/json.hpp>

#include "net/dns.h"
#include "net/ipv4.h"
#include "util/clock.h"

namespace nucleus::net::guard {
namespace {

using nlohmann::json;

json event(const std::string& container, const char* type) {
  return {{"time", clock::now_rfc3339()}, {"container", container}, {"type", type}};
}

// Names come from the workload: bytes that are not UTF-8 are replaced, never a throw.
std::string line(const json& e) {
  return e.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string to_json(const Config& c) {
  return json{{"container", c.container},
              {"resolver", c.resolver},
              {"domains", c.domains},
              {"upstream", c.upstream},
              {"table", c.table}}
      .dump();
}

Result<Config> parse_config(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail_invalid("{}: not a JSON object", kConfigFile);
  try {
    Config c;
    c.container = j.at("container").get<std::string>();
    c.resolver = j.at("resolver").get<bool>();
    c.domains = j.at("domains").get<std::vector<std::string>>();
    c.upstream = j.at("upstream").get<std::vector<std::string>>();
    c.table = j.value("table", c.table);  // older files: the container's own namespace
    if (c.table.empty() || c.table.size() > 64)
      return fail_invalid("{}: bad table '{}'", kConfigFile, c.table);
    for (const auto& d : c.domains)
      if (!dns::valid_pattern(d)) return fail_invalid("{}: bad domain '{}'", kConfigFile, d);
    for (const auto& u : c.upstream)
      if (!parse_ipv4(u)) return fail_invalid("{}: bad server '{}'", kConfigFile, u);
    return c;
  } catch (const json::exception& e) {
    return fail_invalid("{}: {}", kConfigFile, e.what());
  }
}

std::optional<Denial> parse_denied_packet(std::span<const uint8_t> p) {
  if (p.size() < 20 || (p[0] >> 4) != 4) return std::nullopt;
  size_t header = (p[0] & 0x0fu) * 4;
  if (header < 20 || header > p.size()) return std::nullopt;
  Denial d;
  d.destination = uint32_t{p[16]} << 24 | uint32_t{p[17]} << 16 | uint32_t{p[18]} << 8 | p[19];
  uint8_t proto = p[9];
  d.protocol = proto == 6    ? "tcp"
               : proto == 17 ? "udp"
               : proto == 1  ? "icmp"
                             : std::to_string(proto);
  bool fragment = (p[6] & 0x1f) != 0 || p[7] != 0;  // a later fragment carries no ports
  if ((proto == 6 || proto == 17) && !fragment && p.size() >= header + 4)
    d.port = static_cast<uint16_t>(p[header + 2] << 8 | p[header + 3]);
  return d;
}

std::string connection_event(const std::string& container, const Denial& d,
                             const std::string& name) {
  json e = event(container, "egress-denied");
  e["protocol"] = d.protocol;
  e["destination"] = format_ipv4(d.destination);
  if (d.port != 0) e["port"] = d.port;
  if (!name.empty()) e["name"] = name;
  return line(e);
}

std::string dns_event(const std::string& container, const std::string& name) {
  json e = event(container, "dns-denied");
  e["protocol"] = "dns";
  e["name"] = name;
  return line(e);
}

std::string error_event(const std::string& container, const std::string& message) {
  json e = event(container, "guard-error");
  e["message"] = message;
  return line(e);
}

}  // namespace nucleus::net::guard
