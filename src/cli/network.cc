// nucleus network create|ls|rm: bridge networks that `run --network NAME` joins.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/root.h"
#include "net/network.h"

namespace nucleus::cli {
namespace {

net::Networks networks() {
  return net::Networks(container::state_root() + "/networks");
}

int create_network(int argc, char** argv) {
  CLI::App app{"Create a bridge network", "nucleus network create"};
  std::string name, subnet, bridge;
  app.add_option("--subnet", subnet,
                 "IPv4 subnet, e.g. 10.90.0.0/24 (default: a free 10.89.N.0/24)");
  app.add_option("--bridge", bridge, "Bridge link name, at most 15 characters (default nucleusN)");
  app.add_option("NAME", name, "The network's name")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  if (::geteuid() != 0) return report(Error::invalid("network create needs root"));
  auto n = networks().create(name, subnet, bridge);
  if (!n) return report(n.error());
  std::printf("%s\n", n->name.c_str());
  return 0;
}

int ls(int argc, char** argv) {
  CLI::App app{"List bridge networks", "nucleus network ls"};
  std::string format = "table";
  app.add_option("--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  if (auto code = parse(app, argc, argv)) return *code;
  auto all = networks().list();
  if (!all) return report(all.error());
  nlohmann::json out = nlohmann::json::array();
  std::string table =
      fmt::format("{:<20}  {:<16}  {:<18}  {}\n", "NAME", "BRIDGE", "SUBNET", "GATEWAY");
  for (const auto& n : *all) {
    out.push_back({{"name", n.name},
                   {"bridge", n.bridge},
                   {"subnet", n.subnet.str()},
                   {"gateway", net::format_ipv4(n.gateway())}});
    table += fmt::format("{:<20}  {:<16}  {:<18}  {}\n", n.name, n.bridge, n.subnet.str(),
                         net::format_ipv4(n.gateway()));
  }
  std::fputs(format == "json" ? (out.dump(2) + "\n").c_str() : table.c_str(), stdout);
  return 0;
}

int remove(int argc, char** argv) {
  CLI::App app{"Remove bridge networks (with their bridge and NAT rules)", "nucleus network rm"};
  std::vector<std::string> names;
  app.add_option("NAME", names, "Network names")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  int code = 0;
  for (const auto& name : names) {
    if (auto r = networks().remove(name); !r) {
      int c = report(r.error());
      if (code == 0) code = c;
    } else {
      std::printf("%s\n", name.c_str());
    }
  }
  return code;
}

}  // namespace

int network(int argc, char** argv) {
  std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "create") return create_network(argc - 1, argv + 1);
  if (verb == "ls" || verb == "list") return ls(argc - 1, argv + 1);
  if (verb == "rm" || verb == "remove") return remove(argc - 1, argv + 1);
  return report(Error::invalid("usage: nucleus network create|ls|rm ..."));
}

}  // namespace nucleus::cli
