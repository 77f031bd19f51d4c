#include "net/ports.h"

#include <unistd.h>

#include "net/ipv4.h"
#include "net/nft.h"
#include "util/fs.h"

namespace nucleus::net {
namespace {

using nft::match;
using nft::payload;
using nlohmann::json;

std::string key(const spec::Publish& p) {
  return p.proto + "/" + (p.host_ip.empty() ? "0.0.0.0" : p.host_ip) + "/" +
         std::to_string(p.host_port);
}

bool clash(const std::string& a, const std::string& b) {
  auto pa = a.find('/'), pb = b.find('/');
  auto ia = a.substr(pa + 1, a.rfind('/') - pa - 1), ib = b.substr(pb + 1, b.rfind('/') - pb - 1);
  return a.substr(0, pa) == b.substr(0, pb) && a.substr(a.rfind('/')) == b.substr(b.rfind('/')) &&
         (ia == ib || ia == "0.0.0.0" || ib == "0.0.0.0");
}

Result<json> read_ports(const std::string& dir) {
  auto text = fs::read_file(dir + "/ports.json");
  if (!text && text.error().code == ENOENT) return json::object();
  if (!text) return fail(text.error());
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return fail_invalid("{}/ports.json is corrupted", dir);
  return j;
}

}  // namespace

Result<> reserve_ports(const std::string& dir, const std::string& id,
                       const std::vector<spec::Publish>& ports) {
  TRY(fs::make_private_dir(dir));
  UniqueFd held = TRY(fs::lock_file(dir + "/.lock"));
  json all = TRY(read_ports(dir));
  for (const auto& p : ports) {
    std::string k = key(p);
    for (const auto& [taken, holder] : all.items()) {
      if (clash(k, taken))
        return fail_invalid("port {}/{} is already published by container {}", p.host_port, p.proto,
                            holder.get<std::string>().substr(0, 12));
    }
    all[k] = id;
  }
  return fs::write_atomic(dir, "ports.json", all.dump() + "\n", false);
}

Result<bool> free_ports(const std::string& dir, const std::string& id) {
  if (::access((dir + "/ports.json").c_str(), F_OK) != 0) return false;
  UniqueFd held = TRY(fs::lock_file(dir + "/.lock"));
  json all = TRY(read_ports(dir)), kept = json::object();
  for (const auto& [k, holder] : all.items())
    if (holder != id) kept[k] = holder;
  if (kept.size() == all.size()) return false;
  if (kept.empty() && ::unlink((dir + "/ports.json").c_str()) == 0) return true;
  TRY(fs::write_atomic(dir, "ports.json", kept.dump() + "\n", false));
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
    json expr = {match({{"fib", {{"result", "type"}, {"flags", {"daddr"}}}}}, "local")};
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
