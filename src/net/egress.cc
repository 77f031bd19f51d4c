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
  b.rule("output", {match(meta("oifname"), "lo"), nft::accept()});
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
