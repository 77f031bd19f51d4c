#include "net/network.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "net/host_tables.h"
#include "net/nft.h"
#include "net/ports.h"
#include "net/rtnl.h"
#include "spec/run_flags.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/parse.h"

namespace nucleus::net {
namespace {

constexpr const char* kForward = "/proc/sys/net/ipv4/ip_forward";

std::string table_name(const Network& n) {
  return "nucleus-" + n.name;
}

bool valid_link_name(std::string_view b) {
  return !b.empty() && b.size() <= 15 && b.find_first_of("/: \t\n") == std::string_view::npos;
}

// Routes of this network namespace other than the default one, with their interface.
std::vector<std::pair<std::string, Cidr>> host_routes() {
  std::vector<std::pair<std::string, Cidr>> out;
  std::string text = fs::read_file("/proc/net/route").value_or("");
  auto hex = [](std::string_view v) {  // little-endian hex, as the kernel prints it
    return __builtin_bswap32(
        static_cast<uint32_t>(std::strtoul(std::string(v).c_str(), nullptr, 16)));
  };
  for (auto line : parse::split(text, '\n')) {
    auto w = parse::words(line);  // Iface Destination Gateway Flags RefCnt Use Metric Mask ...
    if (w.size() < 8 || w[0] == "Iface") continue;
    uint32_t d = hex(w[1]), m = hex(w[7]);
    if (m == 0) continue;
    out.push_back({std::string(w[0]), Cidr{d & m, __builtin_popcount(m)}});
  }
  return out;
}

Result<std::map<std::string, std::string>> read_leases(const std::string& dir) {
  auto text = fs::read_file(dir + "/leases.json");
  if (!text && text.error().code == ENOENT) return std::map<std::string, std::string>();
  if (!text) return fail(text.error());
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return fail_invalid("{}/leases.json is corrupted", dir);
  std::map<std::string, std::string> out;
  for (const auto& [ip, id] : j.items())
    if (id.is_string()) out[ip] = id.get<std::string>();
  return out;
}

Result<> write_leases(const std::string& dir, const std::map<std::string, std::string>& leases) {
  return fs::write_atomic(dir, "leases.json", nlohmann::json(leases).dump() + "\n", false);
}

// Switches IPv4 forwarding on, remembering the value it had (caller holds the global lock).
Result<> forwarding_on(const std::string& dir) {
  auto was = TRY(fs::read_file(kForward));
  if (was.rfind("1", 0) == 0) return {};
  TRY(fs::write_atomic(dir, "forwarding", was, false));
  UniqueFd f(::open(kForward, O_WRONLY | O_CLOEXEC));
  if (!f || ::write(f.get(), "1", 1) != 1) return fail_errno("enable IPv4 forwarding");
  return {};
}

void forwarding_restore(const std::string& dir) {
  auto was = fs::read_file(dir + "/forwarding");
  if (!was) return;
  UniqueFd f(::open(kForward, O_WRONLY | O_CLOEXEC));
  if (f && ::write(f.get(), was->data(), was->size()) > 0) ::unlink((dir + "/forwarding").c_str());
}

// The network's table: its subnet masqueraded when it leaves through another link, and no new
// connection into the bridge from elsewhere (other networks, the outside) unless it was
// published (DNAT): rejected, so that it fails at once.
nlohmann::json network_ruleset(const Network& n) {
  using nft::match;
  nlohmann::json oif = nft::meta("oifname"), iif = nft::meta("iifname");
  nft::Batch b("ip", table_name(n));
  b.chain("postrouting", "nat", "postrouting", 100)
      .rule("postrouting",
            {match(nft::payload("ip", "saddr"),
                   {{"prefix", {{"addr", format_ipv4(n.subnet.base)}, {"len", n.subnet.prefix}}}}),
             match(oif, n.bridge, "!="),
             {{"masquerade", nullptr}}});
  b.chain("forward", "filter", "forward", 0)
      .rule("forward", {match(oif, n.bridge), match({{"ct", {{"key", "status"}}}}, "dnat", "in"),
                        nft::accept()});
  nlohmann::json inbound = {match(oif, n.bridge), match(iif, n.bridge, "!="),
                            match({{"ct", {{"key", "state"}}}}, "new", "in")};
  nlohmann::json tcp = inbound;
  tcp.push_back(match(nft::meta("l4proto"), "tcp"));
  tcp.push_back(nft::reject_tcp());
  inbound.push_back(nft::reject_other("ip"));
  b.rule("forward", tcp).rule("forward", inbound);
  return b.commands();
}

}  // namespace

std::string veth_name(const std::string& id) {
  return "nuc" + id.substr(0, 12);
}

Result<UniqueFd> Networks::lock(const std::string& name) const {
  TRY(fs::make_private_dir(dir_));
  if (name.empty()) return fs::lock_file(dir_ + "/.lock");
  // An existing network's only: a name that is not one leaves nothing behind.
  if (::access((path(name) + "/network.json").c_str(), F_OK) != 0)
    return fail_invalid("no network named '{}'", name);
  return fs::lock_file(path(name) + "/.lock");
}

Result<Network> Networks::load(const std::string& name) const {
  auto text = TRY(fs::read_file(path(name) + "/network.json").map_error([&](const Error& e) {
    return e.code == ENOENT ? Error::invalid("no network named '{}'", name) : e;
  }));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("bridge") || !j.contains("subnet"))
    return fail_invalid("network '{}': network.json is corrupted", name);
  Network n{name, j["bridge"].get<std::string>(), TRY(parse_cidr(j["subnet"].get<std::string>()))};
  return n;
}

Result<std::vector<Network>> Networks::list() const {
  std::vector<Network> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
    if (auto n = load(e->d_name)) out.push_back(std::move(*n));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const Network& a, const Network& b) { return a.name < b.name; });
  return out;
}

Result<Network> Networks::create(const std::string& name, const std::string& subnet,
                                 const std::string& bridge) {
  if (name == "none" || name == "host" || name == kDefaultNetwork)
    return fail_invalid("network '{}' is predefined", name);
  UniqueFd held = TRY(lock(""));
  return create_locked(name, subnet, bridge);
}

Result<Network> Networks::create_locked(const std::string& name, const std::string& subnet,
                                        const std::string& bridge) {
  if (!spec::valid_network_name(name))
    return fail_invalid("invalid network name '{}': use letters, digits, '_', '.', '-'", name);
  if (::access((path(name) + "/network.json").c_str(), F_OK) == 0)
    return fail_invalid("network '{}' already exists", name);
  auto others = TRY(list());
  auto routes = host_routes();
  auto taken = [&](const Cidr& c) -> std::optional<std::string> {
    for (const auto& o : others)
      if (o.subnet.overlaps(c)) return "network '" + o.name + "' (" + o.subnet.str() + ")";
    for (const auto& route : routes) {
      const std::string& iface = route.first;
      bool ours = std::any_of(others.begin(), others.end(),
                              [&](const Network& o) { return o.bridge == iface; });
      if (!ours && route.second.overlaps(c))
        return "a route of the host (" + route.second.str() + " on " + iface + ")";
    }
    return std::nullopt;
  };
  Network n{name, bridge, {}};
  if (!subnet.empty()) {
    n.subnet = TRY(parse_cidr(subnet));
    if (n.subnet.prefix < 8 || n.subnet.prefix > 30)
      return fail_invalid("subnet {}: the prefix must be between /8 and /30", subnet);
    if (auto who = taken(n.subnet)) return fail_invalid("subnet {} overlaps {}", subnet, *who);
  } else {
    bool found = false;
    std::vector<Cidr> candidates;
    if (name == kDefaultNetwork) candidates.push_back({0x0a580000, 16});  // 10.88.0.0/16
    for (uint32_t i = 0; i < 256; i++) candidates.push_back({0x0a590000 | (i << 8), 24});
    for (const auto& c : candidates) {
      if (!taken(c)) {
        n.subnet = c;
        found = true;
        break;
      }
    }
    if (!found) return fail_invalid("no free subnet left for network '{}': give --subnet", name);
  }
  if (n.bridge.empty()) {
    if (name == kDefaultNetwork) {
      n.bridge = "nucleus0";
    } else {
      for (int i = 1; n.bridge.empty(); i++) {
        std::string b = "nucleus" + std::to_string(i);
        if (std::none_of(others.begin(), others.end(),
                         [&](const Network& o) { return o.bridge == b; }))
          n.bridge = b;
      }
    }
  }
  if (!valid_link_name(n.bridge))
    return fail_invalid("bridge name '{}': at most 15 characters, no '/', ':' or spaces", n.bridge);
  for (const auto& o : others)
    if (o.bridge == n.bridge)
      return fail_invalid("bridge {} is already used by network '{}'", n.bridge, o.name);
  if (TRY(Rtnl::open()).ifindex(n.bridge))
    return fail_invalid("a link named {} already exists on the host", n.bridge);
  TRY(fs::make_private_dir(path(name)));
  nlohmann::json j{{"name", name}, {"bridge", n.bridge}, {"subnet", n.subnet.str()}};
  TRY(fs::write_atomic(path(name), "network.json", j.dump(2) + "\n", true));
  return n;
}

Result<> Networks::bring_up(const Network& n) {
  auto rtnl = TRY(Rtnl::open());
  int index = TRY(rtnl.add_bridge(n.bridge));
  auto made = [&]() -> Result<> {
    TRY(rtnl.add_address(index, n.gateway(), n.subnet.prefix));
    TRY(rtnl.set_up(index));
    TRY(nft::apply(network_ruleset(n)));
    UniqueFd global = TRY(lock(""));
    return forwarding_on(dir_);
  }();
  if (!made) (void)tear_down(n);
  log::debug("{:.2f} ms: network {} up ({} on {})", log::elapsed_ms(), n.name, n.bridge,
             n.subnet.str());
  return made;
}

Result<> Networks::tear_down(const Network& n) {
  auto rtnl = TRY(Rtnl::open());
  TRY(rtnl.remove_link(n.bridge));
  TRY(nft::apply(nft::delete_table("ip", table_name(n))));
  UniqueFd global = TRY(lock(""));
  for (const auto& o : TRY(list()))
    if (o.name != n.name && rtnl.ifindex(o.bridge)) return {};  // still needed
  forwarding_restore(dir_);
  return {};
}

Result<> Networks::remove(const std::string& name) {
  UniqueFd held = TRY(lock(name));
  auto n = TRY(load(name));
  auto leases = TRY(read_leases(path(name)));
  if (!leases.empty())
    return fail_invalid("network '{}' is in use by {} container(s), e.g. {}", name, leases.size(),
                        leases.begin()->second.substr(0, 12));
  TRY(tear_down(n));
  fs::remove_tree(path(name));
  return {};
}

Result<Lease> Networks::lease(const std::string& name, const std::string& id) {
  if (name == kDefaultNetwork && ::access((path(name) + "/network.json").c_str(), F_OK) != 0) {
    UniqueFd global = TRY(lock(""));
    if (::access((path(name) + "/network.json").c_str(), F_OK) != 0)
      TRY(create_locked(name, "", ""));
  }
  UniqueFd held = TRY(lock(name));
  auto n = TRY(load(name));
  if (!TRY(Rtnl::open()).ifindex(n.bridge)) TRY(bring_up(n));
  auto leases = TRY(read_leases(path(name)));
  for (uint32_t host = 2; n.subnet.host(host) < n.subnet.broadcast(); host++) {
    std::string ip = format_ipv4(n.subnet.host(host));
    if (leases.count(ip)) continue;
    leases[ip] = id;
    TRY(write_leases(path(name), leases));
    return Lease{name,          id,      n.subnet.host(host), n.subnet.prefix, n.gateway(),
                 veth_name(id), n.bridge};
  }
  return fail_invalid("network '{}' ({}) has no free address left", name, n.subnet.str());
}

Result<> Networks::release(const std::string& id, bool remove_veth) {
  for (const auto& n : TRY(list())) {
    UniqueFd held = TRY(lock(n.name));
    auto leases = TRY(read_leases(path(n.name)));
    if (std::erase_if(leases, [&](const auto& l) { return l.second == id; }) == 0) continue;
    if (remove_veth) TRY(TRY(Rtnl::open()).remove_link(veth_name(id)));
    TRY(write_leases(path(n.name), leases));
  }
  if (TRY(free_ports(dir_, id))) TRY(nft::apply(nft::delete_table("ip", publish_table(id))));
  return drop_host_tables(dir_, id);
}

Result<std::vector<std::string>> Networks::collect(
    const std::function<bool(const std::string&)>& alive) {
  std::set<std::string> gone;
  for (const auto& n : TRY(list())) {
    for (const auto& [ip, id] : TRY(read_leases(path(n.name))))
      if (!alive(id)) gone.insert(id);
  }
  for (const auto& id : gone) TRY(release(id));
  return std::vector<std::string>(gone.begin(), gone.end());
}

}  // namespace nucleus::net
