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

}  // namespace

json egress_ruleset(const spec::Egress& egress) {
  json any_port = json::array();
  for (const auto& r : egress.allow)
    if (r.ports.empty()) any_port.push_back(prefix(r.cidr));
  json set{{"name", "allow"}, {"type", "ipv4_addr"}, {"flags", {"interval"}}, {"auto-merge", true}};
  if (!any_port.empty()) set["elem"] = any_port;
  nft::Batch b("inet", kEgressTable);
  b.set(set);
  if (!egress.domains.empty())
    b.set({{"name", guard::kDomainSet}, {"type", "ipv4_addr"}, {"flags", {"timeout"}}});
  b.chain("output", "filter", "output", 0);
  if (!egress.domains.empty()) {
    // DNS to any server goes to the guard, whatever resolver the workload (or its --rootfs's
    // resolv.conf) names: names are policed even when asked around 127.0.0.11.
    b.chain("dns", "nat", "output", -100);
    b.rule("dns", {match(meta("l4proto"), "udp"),
                   match(payload("udp", "dport"), 53),
                   match(payload("ip", "daddr"), prefix("127.0.0.0/8"), "!="),
                   {{"dnat", {{"family", "ip"}, {"addr", guard::kResolverIp}, {"port", 53}}}}});
  }
  b.rule("output", {match(meta("oifname"), "lo"), nft::accept()});
  // What the dns chain turned toward the guard: this hook still sees the route it had before.
  if (!egress.domains.empty())
    b.rule("output", {match(payload("ip", "daddr"), prefix("127.0.0.0/8")), nft::accept()});
  b.rule("output",
         {match({{"ct", {{"key", "state"}}}}, json::array({"established", "related"}), "in"),
          nft::accept()});
  b.rule("output", {match(payload("ip", "daddr"), "@allow"), nft::accept()});
  if (!egress.domains.empty())
    b.rule("output",
           {match(payload("ip", "daddr"), std::string("@") + guard::kDomainSet), nft::accept()});
  for (const auto& r : egress.allow) {
    if (r.ports.empty()) continue;
    for (const char* proto : {"tcp", "udp"})
      b.rule("output", {match(payload("ip", "daddr"), prefix(r.cidr)),
                        match(payload(proto, "dport"), {{"set", r.ports}}), nft::accept()});
  }
  // Each denial to the guard's event log (rate-limited: a flood must not flood the log), then
  // the rejection.
  b.rule("output", {{{"limit", {{"rate", 50}, {"per", "second"}, {"burst", 100}}}},
                    {{"log", {{"group", guard::kLogGroup}}}}});
  b.rule("output", {match(meta("l4proto"), "tcp"), nft::reject_tcp()});
  b.rule("output", {nft::reject_other("inet")});
  return b.commands();
}

}  // namespace nucleus::net
