#include "net/ports.h"

#include <unistd.h>

#include "net/claims.h"
#include "net/ipv4.h"
#include "net/nft.h"
#include "util/fs.h"

namespace nucleus::net {
namespace {

using nft::match;
using nft::payload;
using nlohmann::json;

// One published port in ports.json: who holds which host port.
struct Claim {
  std::string proto, host_ip;  // host_ip "" for every address
  uint16_t host_port = 0;
  std::string container;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Claim, proto, host_ip, host_port, container)

// Two claims of one port clash unless both name different addresses.
bool clash(const Claim& a, const Claim& b) {
  return a.proto == b.proto && a.host_port == b.host_port &&
         (a.host_ip == b.host_ip || a.host_ip.empty() || b.host_ip.empty());
}

constexpr const char* kPortsFile = "ports.json";

}  // namespace

Result<> reserve_ports(const std::string& dir, const std::string& id,
                       const std::vector<spec::Publish>& ports) {
  TRY(fs::make_private_dir(dir));
  UniqueFd held = TRY(fs::lock_file(dir + "/.lock"));
  auto claims = TRY(read_claims<Claim>(dir, kPortsFile));
  for (const auto& p : ports) {
    Claim mine{p.proto, p.host_ip, p.host_port, id};
    for (const auto& c : claims) {
      if (clash(mine, c))
        return fail_invalid("port {}/{} is already published by container {}", p.host_port, p.proto,
                            c.container.substr(0, 12));
    }
    claims.push_back(mine);
  }
  return write_claims(dir, kPortsFile, claims);
}

Result<bool> free_ports(const std::string& dir, const std::string& id) {
  if (::access((dir + "/ports.json").c_str(), F_OK) != 0) return false;
  UniqueFd held = TRY(fs::lock_file(dir + "/.lock"));
  auto claims = TRY(read_claims<Claim>(dir, kPortsFile));
  if (std::erase_if(claims, [&](const Claim& c) { return c.container == id; }) == 0) return false;
  TRY(write_claims(dir, kPortsFile, claims));
  return true;
}

std::string publish_table(const std::string& id) {
  return "nucleus-pub-" + id.substr(0, 12);
}

json publish_ruleset(const std::string& id, uint32_t container_ip,
                     const std::vector<spec::Publish>& ports) {
  std::string ip = format_ipv4(container_ip);
  nft::Batch b("ip", publish_table(id));
  b.chain("prerouting", "nat", "prerouting", -100)  // from other namespaces
      .chain("output", "nat", "output", -100)       // from the host itself
      .chain("postrouting", "nat", "postrouting", 100);
  for (const auto& p : ports) {
    // json::array: a one-element brace list of a json is a copy to clang and an array to g++.
    auto expr =
        json::array({match({{"fib", {{"result", "type"}, {"flags", {"daddr"}}}}}, "local")});
    if (!p.host_ip.empty()) expr.push_back(match(payload("ip", "daddr"), p.host_ip));
    expr.push_back(match(payload(p.proto, "dport"), p.host_port));
    expr.push_back({{"dnat", {{"addr", ip}, {"port", p.container_port}}}});
    b.rule("prerouting", expr).rule("output", expr);
  }
  // The host's own 127.0.0.1 cannot be a source on the bridge: masquerade it.
  b.rule("postrouting",
         {match(payload("ip", "saddr"), {{"prefix", {{"addr", "127.0.0.0"}, {"len", 8}}}}),
          match(payload("ip", "daddr"), ip),
          {{"masquerade", nullptr}}});
  return b.commands();
}

}  // namespace nucleus::net
