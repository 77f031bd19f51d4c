// gVisor sandboxes on bridge networks: nucleus makes and plugs the namespace, runsc's network
// stack uses it; NAT out, published ports in, egress policies enforced from the host's side,
// nothing left in the (fake) host afterwards.
#include "network_fixture.h"

namespace nucleus::testing {
namespace {

class GvisorNetwork : public Network {
 protected:
  void SetUp() override {
    Network::SetUp();
    if (IsSkipped()) return;
    if (access("/usr/bin/runsc", X_OK) != 0) GTEST_SKIP() << "runsc is not installed";
  }
};

TEST_F(GvisorNetwork, BridgeThroughTheSandboxStack) {
  std::string peers = serve(8080);
  auto j = probe({"--runtime", "gvisor", "--network", "bridge"},
                 {"connect=203.0.113.10:8080", "connect=203.0.113.10:9"});
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8080"], 0);
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:9"], kEconnrefused);
  std::string dev = j["net_dev"];
  EXPECT_NE(dev.find("eth0"), std::string::npos) << dev;
  EXPECT_EQ(slurp_file(peers), "203.0.113.1\n");  // masqueraded, as natively
  EXPECT_EQ(veths_left(), "");
  EXPECT_EQ(slurp_file("/run/nucleus/networks/bridge/leases.json"), "{}\n");
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

TEST_F(GvisorNetwork, PublishedPortOfADetachedSandbox) {
  std::string id =
      start({"--runtime", "gvisor", "--network", "bridge", "-p", "8080:7000", "--", "python3", "-m",
             "http.server", "--bind", "0.0.0.0", "7000", "--directory", "/"});
  std::string fetch =
      "python3 -c 'import socket; s = socket.create_connection((\"127.0.0.1\", 8080), 2); "
      "s.send(b\"GET / HTTP/1.0\\r\\n\\r\\n\"); assert s.recv(12) == b\"HTTP/1.0 200\"' "
      "2>/dev/null";
  bool up = false;
  for (int i = 0; i < 200 && !up; i++) {
    up = sh(fetch) == 0;
    if (!up) usleep(50000);
  }
  EXPECT_TRUE(up) << "127.0.0.1:8080 never answered";
  auto inspect = nlohmann::json::parse(run({"inspect", id}).out);
  EXPECT_EQ(inspect[0]["network"]["ip"], "10.88.0.2");
  EXPECT_EQ(inspect[0]["runtime"], "gvisor");
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

// A TCP server inside a container, on every address: python3 -c CODE PORT.
constexpr const char* kServeHello =
    "import socket, sys\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(8)\n"
    "while True:\n"
    "    c, a = s.accept(); c.sendall(b'hello\\n'); c.close()\n";

// From the host (the test), whether ip:port answers "hello" within a few seconds.
bool answers(const std::string& ip, int port) {
  std::string cmd = "python3 -c 'import socket; s = socket.create_connection((\"" + ip + "\", " +
                    std::to_string(port) + "), 1); assert s.recv(6) == b\"hello\\n\"' 2>/dev/null";
  for (int i = 0; i < 100; i++) {
    if (system(cmd.c_str()) == 0) return true;
    usleep(50000);
  }
  return false;
}

std::string ip_of(const std::string& id) {
  return nlohmann::json::parse(run({"inspect", id}).out)[0]["network"]["ip"];
}

// The same CIDR policy as natively, though the sandbox's packets never pass its namespace's
// netfilter hooks: out to the fake internet, and to a native container on the same bridge.
TEST_F(GvisorNetwork, EgressPolicyHoldsForTheSandbox) {
  serve(8080, "203.0.113.10");
  serve(8080, "203.0.113.20");
  std::string native = start({"--network", "bridge", "--", "python3", "-c", kServeHello, "7000"});
  std::string sandbox = start_with_probe(
      {"--runtime", "gvisor", "--network", "bridge", "--egress-allow", "203.0.113.10:8080"});
  EXPECT_EQ(sh_out("nft list tables | grep -c nucleus-egress-" + sandbox.substr(0, 12)), "2\n");
  ASSERT_TRUE(answers(ip_of(native), 7000));
  auto j = exec_probe(
      sandbox, {},
      {"connect=203.0.113.10:8080", "connect=203.0.113.20:8080", "connect=203.0.113.10:9",
       "connect=" + ip_of(native) + ":7000", "connect=10.88.0.1:22"});
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:8080"], 0);
  EXPECT_EQ(j["checks"]["connect=203.0.113.20:8080"], kEconnrefused);  // reset at once
  EXPECT_EQ(j["checks"]["connect=203.0.113.10:9"], kEconnrefused);     // not the allowed port
  EXPECT_EQ(j["checks"]["connect=" + ip_of(native) + ":7000"], kEconnrefused);  // same bridge
  EXPECT_EQ(j["checks"]["connect=10.88.0.1:22"], kEconnrefused);                // the host
  auto ev = events(sandbox, 4);
  EXPECT_EQ(ev.size(), 4u) << run({"events", sandbox}).out;
  if (!ev.empty()) {
    EXPECT_EQ(ev[0]["type"], "egress-denied");
    EXPECT_EQ(ev[0]["destination"], "203.0.113.20");
  }
  // Connections into the sandbox are not egress: their replies pass.
  std::string served = start({"--runtime", "gvisor", "--network", "bridge", "--egress-deny-all",
                              "--", "python3", "-c", kServeHello, "7001"});
  EXPECT_TRUE(answers(ip_of(served), 7001));
  EXPECT_EQ(run({"exec", native, "python3", "-c",
                 "import socket; s = socket.create_connection(('" + ip_of(served) +
                     "', 7001), 2); assert s.recv(6) == b'hello\\n'"})
                .code,
            0);
  // A foreground sandbox is policed the same way, and takes its tables with it.
  auto fg = probe({"--runtime", "gvisor", "--network", "bridge", "--egress-deny-all"},
                  {"connect=203.0.113.10:8080"});
  EXPECT_EQ(fg["checks"]["connect=203.0.113.10:8080"], kEconnrefused);
  EXPECT_EQ(run({"rm", "-f", sandbox, native, served}).code, 0);
  EXPECT_EQ(guards_running(), 0);
  EXPECT_EQ(sh_out("nft list tables | grep nucleus-egress || true"), "");
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

// Names through the guard, which for a sandbox answers on the gateway: only allowed names are
// asked upstream, and only their addresses can be reached, whichever server the sandbox asks.
TEST_F(GvisorNetwork, DomainPolicyThroughTheGuardOnTheGateway) {
  serve(8080, "203.0.113.10");
  serve(8080, "203.0.113.20");
  serve_dns(R"({"allowed.test": [["203.0.113.10"], 300], "other.test": [["203.0.113.20"], 300]})");
  std::string id = start_guarded({"allowed.test"}, {"--runtime", "gvisor"});
  EXPECT_EQ(guards_running(), 1);
  EXPECT_EQ(run({"exec", id, "cat", "/etc/resolv.conf"}).out,
            "# generated by nucleus\nnameserver 10.88.0.1\n");
  auto j = exec_probe(id, {},
                      {"resolve=allowed.test", "connect=allowed.test:8080", "resolve=other.test",
                       "connect=203.0.113.20:8080"});
  EXPECT_EQ(j["checks"]["resolve=allowed.test"], "203.0.113.10");
  EXPECT_EQ(j["checks"]["connect=allowed.test:8080"], 0);
  EXPECT_EQ(j["checks"]["resolve=other.test"], "");
  EXPECT_EQ(j["checks"]["connect=203.0.113.20:8080"], kEconnrefused);
  // Straight to the fake internet's server, around resolv.conf: the guard answers all the same.
  EXPECT_EQ(trim(run({"exec", id, "python3", "-c", kAskDirectly, "allowed.test"}).out), "0 1");
  EXPECT_EQ(trim(run({"exec", id, "python3", "-c", kAskDirectly, "other.test"}).out), "3 0");
  auto asked = split_lines(slurp_file(dns_log_));
  EXPECT_EQ(std::set<std::string>(asked.begin(), asked.end()),
            std::set<std::string>{"allowed.test"});
  // update swaps the names of the running sandbox.
  EXPECT_EQ(run({"update", "--egress-allow-domain", "other.test", id}).code, 0);
  j = exec_probe(id, {}, {"resolve=other.test", "connect=other.test:8080", "resolve=allowed.test"});
  EXPECT_EQ(j["checks"]["resolve=other.test"], "203.0.113.20");
  EXPECT_EQ(j["checks"]["connect=other.test:8080"], 0);
  EXPECT_EQ(j["checks"]["resolve=allowed.test"], "");
  std::set<std::string> seen;
  for (const auto& e : events(id, 4)) seen.insert(e["type"].get<std::string>());
  EXPECT_EQ(seen, (std::set<std::string>{"dns-denied", "egress-denied"}));
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
  EXPECT_EQ(guards_running(), 0);
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

// A nucleus killed with its sandbox: gc takes the host-side tables with the address.
TEST_F(GvisorNetwork, GcCollectsTheHostSideTablesOfAKilledMonitor) {
  std::string id = start(
      {"--runtime", "gvisor", "--network", "bridge", "--egress-deny-all", "--", "sleep", "100"});
  auto state = nlohmann::json::parse(slurp_file("/run/nucleus/" + id + "/state.json"));
  pid_t monitor = state["monitor"]["pid"];
  ASSERT_EQ(kill(monitor, SIGKILL), 0);
  for (int i = 0; i < 300 && guards_running() > 0; i++) usleep(10000);
  EXPECT_EQ(guards_running(), 0);
  EXPECT_NE(sh_out("nft list tables | grep nucleus-egress || true"), "");  // still there
  EXPECT_EQ(run({"gc"}).code, 0);
  EXPECT_EQ(sh_out("nft list tables | grep nucleus-egress || true"), "");
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  expect_clean_host();
}

}  // namespace
}  // namespace nucleus::testing
