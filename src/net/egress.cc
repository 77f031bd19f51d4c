#include "net/egress.h"

#include "net/guard.h"
#include "net/ipv4.h"
#include "net/nft.h"

namespace nucleus::net {
namespace {

using nft::match;
using nft::meta;
using nft::payload;
using nlohmann::json;

json prefix(const std::string& cidr) {
  auto c = parse_cidr(cidr);  // validated when the flags were parsed
  return {{"prefix", {{"addr", format_ipv4(c ? c->base : 0)}, {"len", c ? c->prefix : 32}}}};
}

// The verdicts shared by both placements: replies, allowed destinations, the log, the rejects.
void add_policy(nft::Batch& b, const std::string& chain, const spec::Egress& egress,
                uint16_t log_group) {
  b.rule(chain, {match({{"ct", {{"key", "state"}}}}, json::array({"established", "related"}), "in"),
                 nft::accept()});
  b.rule(chain, {match(payload("ip", "daddr"), "@allow"), nft::accept()});
  if (!egress.domains.empty())
    b.rule(chain,
           {match(payload("ip", "daddr"), std::string("@") + guard::kDomainSet), nft::accept()});
  for (const auto& r : egress.allow) {
    if (r.ports.empty()) continue;
    for (const char* proto : {"tcp", "udp"})
      b.rule(chain, {match(payload("ip", "daddr"), prefix(r.cidr)),
                     match(payload(proto, "dport"), {{"set", r.ports}}), nft::accept()});
  }
  // Each denial to the guard's event log (rate-limited: a flood must not flood the log), then
  // the rejection.
  b.rule(chain, {{{"limit", {{"rate", 50}, {"per", "second"}, {"burst", 100}}}},
                 {{"log", {{"group", log_group}}}}});
  b.rule(chain, {match(meta("l4proto"), "tcp"), nft::reject_tcp()});
  b.rule(chain, json::array({nft::reject_other("inet")}));  // not {x}: a copy to clang
}

// The sets: CIDRs allowed on any port, and the addresses that allowed names resolved to.
void add_sets(nft::Batch& b, const spec::Egress& egress) {
  json any_port = json::array();
  for (const auto& r : egress.allow)
    if (r.ports.empty()) any_port.push_back(prefix(r.cidr));
  json set{{"name", "allow"}, {"type", "ipv4_addr"}, {"flags", {"interval"}}, {"auto-merge", true}};
  if (!any_port.empty()) set["elem"] = any_port;
  b.set(set);
  if (!egress.domains.empty())
    b.set({{"name", guard::kDomainSet}, {"type", "ipv4_addr"}, {"flags", {"timeout"}}});
}

json udp_dns() {
  return json::array({match(meta("l4proto"), "udp"), match(payload("udp", "dport"), 53)});
}

}  // namespace

json egress_ruleset(const spec::Egress& egress) {
  nft::Batch b("inet", kEgressTable);
  add_sets(b, egress);
  b.chain("output", "filter", "output", 0);
  if (!egress.domains.empty()) {
    // DNS to any server goes to the guard, whatever resolver the workload (or its --rootfs's
    // resolv.conf) names: names are policed even when asked around 127.0.0.11.
    b.chain("dns", "nat", "output", -100);
    json dns = udp_dns();
    dns.push_back(match(payload("ip", "daddr"), prefix("127.0.0.0/8"), "!="));
    dns.push_back({{"dnat", {{"family", "ip"}, {"addr", guard::kResolverIp}, {"port", 53}}}});
    b.rule("dns", dns);
  }
  b.rule("output", {match(meta("oifname"), "lo"), nft::accept()});
  // What the dns chain turned toward the guard: this hook still sees the route it had before.
  if (!egress.domains.empty())
    b.rule("output", {match(payload("ip", "daddr"), prefix("127.0.0.0/8")), nft::accept()});
  add_policy(b, "output", egress, guard::kLogGroup);
  return b.commands();
}

std::string host_table(const std::string& id) {
  return std::string(kEgressTable) + "-" + id.substr(0, 12);
}

json delete_host_tables(const std::string& table) {
  json cmds = nft::delete_table("inet", table);
  for (auto& c : nft::delete_table("bridge", table)) cmds.push_back(std::move(c));
  return cmds;
}

json host_ruleset(const spec::Egress& egress, const HostSide& h) {
  std::string ip = format_ipv4(h.ip), gateway = format_ipv4(h.gateway);
  json from_port = match(meta("iifname"), h.port), from_ip = match(payload("ip", "saddr"), ip);
  nft::Batch bridge("bridge", h.table);
  bridge.chain("prerouting", "filter", "prerouting", -200)
      .rule("prerouting", {from_port, match(payload("arp", "saddr ip"), ip), nft::accept()})
      .rule("prerouting", {from_port, from_ip, nft::accept()})
      .rule("prerouting", {from_port, nft::drop()});
  if (!h.bridged_ipv4_hooked)
    bridge.chain("forward", "filter", "forward", -200).rule("forward", {from_port, nft::drop()});

  nft::Batch b("inet", h.table);
  add_sets(b, egress);
  b.chain("guard").chain("forward", "filter", "forward", 0).chain("input", "filter", "input", 0);
  if (h.resolver_port != 0) {
    b.chain("dns", "nat", "prerouting", -100);
    json dns = udp_dns();
    dns.insert(dns.begin(), from_ip);
    dns.push_back({{"dnat", {{"family", "ip"}, {"addr", gateway}, {"port", h.resolver_port}}}});
    b.rule("dns", dns);
    b.rule("input", {from_ip, match(payload("ip", "daddr"), gateway), match(meta("l4proto"), "udp"),
                     match(payload("udp", "dport"), h.resolver_port), nft::accept()});
  }
  b.rule("input", {from_ip, nft::jump("guard")});
  b.rule("forward", {from_ip, nft::jump("guard")});
  add_policy(b, "guard", egress, h.log_group);

  json cmds = delete_host_tables(h.table);
  for (const auto* part : {&b.commands(), &bridge.commands()})
    for (const auto& c : *part) cmds.push_back(c);
  return cmds;
}

}  // namespace nucleus::net
