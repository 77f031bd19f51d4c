// gVisor sandboxes on bridge networks: nucleus makes and plugs the namespace, runsc's network
// stack uses it; NAT out, published ports in, nothing left in the (fake) host afterwards.
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

}  // namespace
}  // namespace nucleus::testing
