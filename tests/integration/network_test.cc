// Bridge networks: NAT, isolation, named networks, published ports, CIDR egress policy.
#include "network_fixture.h"

namespace nucleus::testing {
namespace {

TEST_F(Network, BridgeReachesTheInternetThroughNat) {
  std::string peers = serve(8080);
  auto j = probe({"--network", "bridge"}, {"connect=203.0.113.10:8080", "connect=203.0.113.10:9"});
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8080"], 0);
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:9"], kEconnrefused);  // refused, not timed out
  std::string dev = j["net_dev"];
  EXPECT_NE(dev.find("eth0"), std::string::npos) << dev;
  // Masqueraded: the internet saw the host's uplink address, not the container's.
  EXPECT_EQ(slurp_file(peers), "203.0.113.1\n");
  // The container is gone: so are its veth and its address.
  EXPECT_EQ(veths_left(), "");
  EXPECT_EQ(slurp_file("/run/nucleus/networks/bridge/leases.json"), "{}\n");
  EXPECT_EQ(slurp_file("/proc/sys/net/ipv4/ip_forward"), "1\n");  // while the bridge is up
  RunResult rm = run({"network", "rm", "bridge"});
  EXPECT_EQ(rm.code, 0) << rm.err;
  expect_clean_host();
}

TEST_F(Network, NoneHasNoRouteOut) {
  serve(8080);
  auto j = probe({}, {"connect=203.0.113.10:8080"});
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8080"], kEnetunreach);
  std::string dev = j["net_dev"];  // /proc/net/dev: loopback only
  EXPECT_NE(dev.find("lo:"), std::string::npos) << dev;
  EXPECT_EQ(std::count(dev.begin(), dev.end(), ':'), 1) << dev;
  expect_clean_host();  // --network none touches nothing
}

TEST_F(Network, ContainersOnABridgeReachEachOther) {
  std::string srv = start({"--network", "bridge", "--name", "srv", "--", "python3", "-m",
                           "http.server", "--bind", "0.0.0.0", "7000", "--directory", "/"});
  auto in = nlohmann::json::parse(run({"inspect", "srv"}).out)[0];
  EXPECT_EQ(in["network"]["mode"], "bridge");
  EXPECT_EQ(in["network"]["name"], "bridge");
  std::string ip = in["network"]["ip"];
  EXPECT_EQ(ip, "10.88.0.2");
  // The host reaches it over the bridge once it listens.
  bool up = false;
  for (int i = 0; i < 100 && !up; i++) {
    up = sh("python3 -c 'import socket; socket.create_connection((\"" + ip +
            "\", 7000), 1)' 2>/dev/null") == 0;
    if (!up) usleep(50000);
  }
  ASSERT_TRUE(up) << "the server container never listened";
  auto j = probe({"--network", "bridge"}, {"connect=" + ip + ":7000"});
  EXPECT_EQ(j["checks"]["connect=" + ip + ":7000"], 0);
  EXPECT_EQ(run({"rm", "-f", "srv"}).code, 0);
  EXPECT_EQ(veths_left(), "");
  EXPECT_EQ(slurp_file("/run/nucleus/networks/bridge/leases.json"), "{}\n");
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

TEST_F(Network, NamedNetworksSideBySide) {
  RunResult a = run({"network", "create", "--subnet", "10.90.0.0/24", "neta"});
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(run({"network", "create", "netb"}).code, 0);
  auto ls = nlohmann::json::parse(run({"network", "ls", "--format", "json"}).out);
  ASSERT_EQ(ls.size(), 2u);
  EXPECT_EQ(ls[0]["name"], "neta");
  EXPECT_EQ(ls[0]["subnet"], "10.90.0.0/24");
  EXPECT_EQ(ls[1]["subnet"], "10.89.0.0/24");
  EXPECT_NE(ls[0]["bridge"], ls[1]["bridge"]);
  RunResult on_a =
      run({"run", "--network", "neta", "--", "ip", "-4", "-o", "addr", "show", "eth0"});
  EXPECT_EQ(on_a.code, 0) << on_a.err;
  EXPECT_NE(on_a.out.find("10.90.0.2/24"), std::string::npos) << on_a.out;
  RunResult on_b =
      run({"run", "--network", "netb", "--", "ip", "-4", "-o", "addr", "show", "eth0"});
  EXPECT_NE(on_b.out.find("10.89.0.2/24"), std::string::npos) << on_b.out;
  // Bad input: one clear line, exit 125, nothing made.
  struct Bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"network", "create", "--subnet", "10.90.0.128/25", "over"}, "overlaps network 'neta'"},
           {{"network", "create", "--subnet", "10.90.1.0/33", "cidr"}, "not a subnet"},
           {{"network", "create", "--subnet", "10.91.0.1/24", "hostbits"}, "host bits"},
           {{"network", "create", "--subnet", "203.0.113.0/25", "route"}, "route of the host"},
           {{"network", "create", "--bridge", "a-very-long-bridge", "long"}, "15 characters"},
           {{"network", "create", "neta"}, "already exists"},
           {{"network", "create", "bridge"}, "predefined"},
           {{"network", "create", "bad/name"}, "invalid network name"},
           {{"network", "rm", "nosuch"}, "no network named"},
           {{"run", "--network", "nosuch", "--", "true"}, "no network named 'nosuch'"}}) {
    expect_refused(bad.args, bad.says);
  }
  EXPECT_EQ(nlohmann::json::parse(run({"network", "ls", "--format", "json"}).out).size(), 2u);
  EXPECT_NE(access("/run/nucleus/networks/nosuch", F_OK), 0);  // not even a lock file
  RunResult rm = run({"network", "rm", "neta", "netb"});
  EXPECT_EQ(rm.code, 0) << rm.err;
  expect_clean_host();
}

// New connections into a bridge come only from its own containers, the host itself, or through
// a published port: not from another network's containers, nor from the outside.
TEST_F(Network, NetworksAreIsolatedFromEachOtherAndTheOutside) {
  ASSERT_EQ(run({"network", "create", "--subnet", "10.90.0.0/24", "neta"}).code, 0);
  ASSERT_EQ(run({"network", "create", "netb"}).code, 0);
  std::string srv = start({"--network", "netb", "--", "python3", "-m", "http.server", "--bind",
                           "0.0.0.0", "7000", "--directory", "/"});
  std::string ip = nlohmann::json::parse(run({"inspect", srv}).out)[0]["network"]["ip"];
  ASSERT_EQ(ip, "10.89.0.2");
  std::string connect =
      "python3 -c 'import socket; socket.create_connection((\"" + ip + "\", 7000), 2)' 2>/dev/null";
  bool up = false;
  for (int i = 0; i < 100 && !up; i++) {
    up = sh(connect) == 0;  // the host itself
    if (!up) usleep(50000);
  }
  ASSERT_TRUE(up) << "the server container never listened";
  std::string check = "connect=" + ip + ":7000";
  EXPECT_EQ(probe({"--network", "netb"}, {check})["checks"][check], 0);
  EXPECT_EQ(probe({"--network", "neta"}, {check})["checks"][check], kEconnrefused);
  EXPECT_NE(in_internet(connect), 0);
  EXPECT_EQ(run({"rm", "-f", srv}).code, 0);
  EXPECT_EQ(run({"network", "rm", "neta", "netb"}).code, 0);
  expect_clean_host();
}

TEST_F(Network, InUseNetworkIsNotRemoved) {
  std::string id = start({"--network", "bridge", "--", "sleep", "100"});
  RunResult busy = run({"network", "rm", "bridge"});
  EXPECT_EQ(busy.code, 125);
  EXPECT_NE(busy.err.find("in use by 1 container"), std::string::npos) << busy.err;
  EXPECT_EQ(run({"exec", id, "true"}).code, 0);  // untouched
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

TEST_F(Network, ResolvConfHostsAndHostMode) {
  RunResult r = run({"run", "--network", "bridge", "--dns", "203.0.113.53", "--add-host",
                     "db:10.1.2.3", "--", "cat", "/etc/resolv.conf", "/etc/hosts"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("nameserver 203.0.113.53\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10.1.2.3\tdb\n"), std::string::npos) << r.out;
  for (const auto& bad : std::vector<std::vector<std::string>>{{"--dns", "dns.example"},
                                                               {"--add-host", "db"},
                                                               {"--add-host", "db:300.1.2.3"},
                                                               {"--network", "host"},
                                                               {"--network", "a/b"}})
    expect_run_refused(bad, bad[0]);
  // Host mode, only when asked for explicitly: the fake host's own links are visible.
  auto j = probe({"--network", "host", "--allow-host-network"}, {});
  std::string dev = j["net_dev"];
  EXPECT_NE(dev.find("uplink"), std::string::npos) << dev;
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

// Allowed destinations pass; every other connection fails at once: TCP with a reset
// (ECONNREFUSED), a UDP send with EPERM, never a silent timeout.
TEST_F(Network, EgressAllowsExactlyWhatIsListed) {
  std::string open_port = serve(8080), other_port = serve(8081);
  std::vector<std::string> checks = {"connect=203.0.113.10:8080", "connect=203.0.113.10:8081",
                                     "udp=203.0.113.10:53", "connect=10.88.0.1:22"};
  auto j = probe({"--network", "bridge", "--egress-allow", "203.0.113.10:8080,8443",
                  "--egress-allow", "198.51.100.0/24"},
                 checks);
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8080"], 0);
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8081"], kEconnrefused);
  EXPECT_EQ(j["checks"]["udp=203.0.113.10:53"], kEperm);
  EXPECT_EQ(j["checks"]["connect=10.88.0.1:22"], kEconnrefused);  // the host too
  EXPECT_EQ(slurp_file(other_port), "");  // nothing reached the server behind 8081
  // A whole subnet, any port.
  j = probe({"--network", "bridge", "--egress-allow", "203.0.113.0/24"}, checks);
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8081"], 0);
  EXPECT_EQ(slurp_file(other_port), "203.0.113.1\n");
  j = probe({"--network", "bridge", "--egress-deny-all"}, checks);
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8080"], kEconnrefused);
  EXPECT_EQ(j["checks"]["udp=203.0.113.10:53"], kEperm);
  // The workload cannot lift its own policy: no CAP_NET_ADMIN in its namespace.
  RunResult flush =
      run({"run", "--network", "bridge", "--egress-deny-all", "--", "nft", "flush", "ruleset"});
  EXPECT_NE(flush.code, 0);
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--egress-allow", "203.0.113.10"},  // --network none
           {"--network", "bridge", "--egress-allow", "203.0.113.0/24:http"},
           {"--network", "bridge", "--egress-allow", "203.0.113.0/24:0"},
           {"--network", "bridge", "--egress-allow", "203.0.113.0/24:70000"},
           {"--network", "bridge", "--egress-allow", "203.0.113.1/24"},
           {"--network", "bridge", "--egress-allow", "example.com"}})
    expect_run_refused(bad, "--egress-allow");
  EXPECT_EQ(slurp_file("/run/nucleus/networks/bridge/leases.json"), "{}\n");
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
  (void)open_port;
}

// Each restart gets a fresh veth (the previous one may still be going away with its namespace)
// and keeps the container's address.
TEST_F(Network, RestartedContainerKeepsItsAddress) {
  std::string id = start({"--network", "bridge", "--restart", "on-failure:3", "--", "sh", "-c",
                          "ip -4 -o addr show eth0 | grep -o '10[.0-9/]*'; exit 1"});
  RunResult w = run({"wait", id});
  EXPECT_EQ(w.code, 1) << w.err;
  EXPECT_EQ(run({"logs", id}).out, "10.88.0.2/16\n10.88.0.2/16\n10.88.0.2/16\n10.88.0.2/16\n");
  EXPECT_EQ(slurp_file("/run/nucleus/networks/bridge/leases.json"), "{}\n");
  EXPECT_EQ(run({"rm", id}).code, 0);
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

TEST_F(Network, PublishedPortsReachTheContainer) {
  std::string id =
      start({"--network", "bridge", "-p", "8080:7000", "--egress-deny-all", "--", "python3", "-m",
             "http.server", "--bind", "0.0.0.0", "7000", "--directory", "/"});
  auto fetch = [](const std::string& ip) {
    return "python3 -c 'import socket; s = socket.create_connection((\"" + ip +
           "\", 8080), 2); s.send(b\"GET / HTTP/1.0\\r\\n\\r\\n\"); "
           "assert s.recv(12) == b\"HTTP/1.0 200\"' 2>/dev/null";
  };
  bool up = false;
  for (int i = 0; i < 100 && !up; i++) {
    up = sh(fetch("127.0.0.1")) == 0;  // the host itself, on localhost
    if (!up) usleep(50000);
  }
  EXPECT_TRUE(up) << "127.0.0.1:8080 never answered";
  EXPECT_EQ(in_internet(fetch("203.0.113.1")), 0);  // another namespace, through the uplink
  RunResult taken = run({"run", "--network", "bridge", "-p", "8080:7001", "--", "true"});
  EXPECT_EQ(taken.code, 125);
  EXPECT_NE(taken.err.find("port 8080/tcp is already published by container " + id.substr(0, 12)),
            std::string::npos)
      << taken.err;
  for (const char* bad : {"8080", "0:80", "8080:80/sctp", "::1:8080:80", "a:b"}) {
    RunResult b = run({"run", "--network", "bridge", "-p", bad, "--", "true"});
    EXPECT_EQ(b.code, 125) << bad;
  }
  EXPECT_EQ(run({"run", "-p", "8081:80", "--", "true"}).code, 125);  // --network none
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
  EXPECT_EQ(sh_out("nft list tables"), "table ip nucleus-bridge\n");  // its DNAT table went
  EXPECT_NE(access("/run/nucleus/networks/ports.json", F_OK), 0);     // no port held
  EXPECT_NE(sh(fetch("127.0.0.1")), 0);
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

TEST_F(Network, KilledMonitorsAddressIsCollected) {
  std::string id = start({"--network", "bridge", "--", "sleep", "100"});
  auto in = nlohmann::json::parse(run({"inspect", id}).out)[0];
  pid_t monitor = in["state"]["monitor_pid"];
  ASSERT_EQ(kill(monitor, SIGKILL), 0);
  for (int i = 0; i < 300 && !process_gone(monitor); i++) usleep(10000);
  EXPECT_NE(slurp_file("/run/nucleus/networks/bridge/leases.json"), "{}\n");  // still held
  RunResult gc = run({"gc"});
  EXPECT_EQ(gc.code, 0) << gc.err;
  EXPECT_NE(gc.out.find(id), std::string::npos);
  EXPECT_EQ(slurp_file("/run/nucleus/networks/bridge/leases.json"), "{}\n");
  EXPECT_EQ(sh_out("ip -o link show | grep nuc | grep -v nucleus0 || true"), "");
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

}  // namespace
}  // namespace nucleus::testing
