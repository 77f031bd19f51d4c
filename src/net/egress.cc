#include "net/egress.h"

#include "net/ipv4.h"
#include "net/nft.h"

namespace nucleus::net {
namespace {

using nft::match;
using nft::payload;
using nlohmann::json;

json prefix(const std::string& cidr) {
  auto c = parse_cidr(cidr);  // validated when the flags were parsed
  return {{"prefix", {{"addr", format_ipv4(c ? c->base : 0)}, {"len", c ? c->prefix : 32}}}};
}

json rule(json expr) {
  return {{"add",
           {{"rule",
             {{"family", "inet"},
              {"table", kEgressTable},
              {"chain", "output"},
              {"expr", std::move(expr)}}}}}};
}

const json kAccept = {{"accept", nullptr}};

}  // namespace

json egress_ruleset(const spec::Egress& egress) {
  json table{{"family", "inet"}, {"name", kEgressTable}};
  json any_port = json::array();
  for (const auto& r : egress.allow)
    if (r.ports.empty()) any_port.push_back(prefix(r.cidr));
  json set{{"family", "inet"},    {"table", kEgressTable}, {"name", "allow"},
           {"type", "ipv4_addr"}, {"flags", {"interval"}}, {"auto-merge", true}};
  if (!any_port.empty()) set["elem"] = any_port;
  json cmds = json::array({{{"add", {{"table", table}}}},
                           {{"add", {{"set", set}}}},
                           {{"add",
                             {{"chain",
                               {{"family", "inet"},
                                {"table", kEgressTable},
                                {"name", "output"},
                                {"type", "filter"},
                                {"hook", "output"},
                                {"prio", 0},
                                {"policy", "accept"}}}}}}});
  cmds.push_back(rule({match({{"meta", {{"key", "oifname"}}}}, "lo"), kAccept}));
  cmds.push_back(
      rule({match({{"ct", {{"key", "state"}}}}, json::array({"established", "related"}), "in"),
            kAccept}));
  cmds.push_back(rule({match(payload("ip", "daddr"), "@allow"), kAccept}));
  for (const auto& r : egress.allow) {
    if (r.ports.empty()) continue;
    for (const char* proto : {"tcp", "udp"})
      cmds.push_back(rule({match(payload("ip", "daddr"), prefix(r.cidr)),
                           match(payload(proto, "dport"), {{"set", r.ports}}), kAccept}));
  }
  cmds.push_back(rule(
      {match({{"meta", {{"key", "l4proto"}}}}, "tcp"), {{"reject", {{"type", "tcp reset"}}}}}));
  cmds.push_back(rule({{{"reject", {{"type", "icmpx"}, {"expr", "admin-prohibited"}}}}}));
  return cmds;
}

}  // namespace nucleus::net
