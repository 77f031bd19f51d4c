#include <gtest/gtest.h>

#include "helpers.h"
#include "net/egress.h"
#include "net/ipv4.h"
#include "net/ports.h"
#include "plan/build.h"
#include "spec/run_flags.h"

namespace nucleus {
namespace {

TEST(Ipv4, ParsesAndFormatsSubnets) {
  auto c = net::parse_cidr("10.88.0.0/16");
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->str(), "10.88.0.0/16");
  EXPECT_EQ(net::format_ipv4(c->host(1)), "10.88.0.1");
  EXPECT_EQ(net::format_ipv4(c->broadcast()), "10.88.255.255");
  EXPECT_TRUE(c->contains(*net::parse_ipv4("10.88.7.9")));
  EXPECT_FALSE(c->contains(*net::parse_ipv4("10.89.0.1")));
  EXPECT_TRUE(c->overlaps(*net::parse_cidr("10.88.4.0/24")));
  EXPECT_TRUE(net::parse_cidr("10.0.0.0/8")->overlaps(*c));
  EXPECT_FALSE(c->overlaps(*net::parse_cidr("10.89.0.0/16")));
  EXPECT_EQ(net::parse_cidr("0.0.0.0/0")->mask(), 0u);
  for (const char* bad : {"10.88.0.0", "10.88.0.0/33", "10.88.0/16", "10.88.0.0/x", "/16",
                          "10.88.0.0/16/1", "300.1.1.1/8"})
    EXPECT_FALSE(net::parse_cidr(bad)) << bad;
  auto host_bits = net::parse_cidr("10.88.1.0/16");
  ASSERT_FALSE(host_bits);
  EXPECT_NE(host_bits.error().message.find("10.88.0.0/16"), std::string::npos);
  EXPECT_TRUE(net::valid_ip("2001:db8::1"));
  EXPECT_TRUE(net::valid_ip("192.0.2.1"));
  EXPECT_FALSE(net::valid_ip("example.com"));
}

spec::RunFlags with_network(const std::string& mode) {
  spec::RunFlags f;
  f.command = {"true"};
  f.network = mode;
  return f;
}

TEST(NetworkFlags, ModesAndTheirChecks) {
  auto caller = testing::test_caller();
  EXPECT_EQ(spec::parse_network(with_network("none"), caller)->mode, spec::NetworkMode::kNone);
  auto bridge = spec::parse_network(with_network("bridge"), caller);
  ASSERT_TRUE(bridge);
  EXPECT_EQ(bridge->mode, spec::NetworkMode::kBridge);
  EXPECT_EQ(bridge->name, "bridge");
  EXPECT_EQ(spec::parse_network(with_network("backend"), caller)->name, "backend");
  auto host = spec::parse_network(with_network("host"), caller);
  ASSERT_FALSE(host);  // a weakening needs its explicit flag
  EXPECT_NE(host.error().message.find("--allow-host-network"), std::string::npos);
  auto allowed = with_network("host");
  allowed.allow_host_network = true;
  EXPECT_EQ(spec::parse_network(allowed, caller)->mode, spec::NetworkMode::kHost);
  EXPECT_FALSE(spec::parse_network(with_network("container:x"), caller));
  EXPECT_FALSE(spec::parse_network(with_network(""), caller));
  auto unprivileged = caller;
  unprivileged.uid = 1000;
  EXPECT_FALSE(spec::parse_network(with_network("bridge"), unprivileged));
  auto f = with_network("bridge");
  f.dns = {"10.0.0.53", "2001:db8::53"};
  f.add_hosts = {"db:10.1.2.3", "v6:2001:db8::1"};
  auto n = spec::parse_network(f, caller);
  ASSERT_TRUE(n) << n.error().what();
  EXPECT_EQ(n->hosts[1].name, "v6");
  EXPECT_EQ(n->hosts[1].ip, "2001:db8::1");
  for (auto [dns, host_entry] :
       std::vector<std::pair<std::string, std::string>>{{"nameserver", "db:10.1.2.3"},
                                                        {"10.0.0.53", "db"},
                                                        {"10.0.0.53", ":10.1.2.3"},
                                                        {"10.0.0.53", "d b:10.1.2.3"}}) {
    f.dns = {dns};
    f.add_hosts = {host_entry};
    EXPECT_FALSE(spec::parse_network(f, caller)) << dns << " " << host_entry;
  }
  auto gvisor = with_network("bridge");
  gvisor.runtime = "gvisor";
  EXPECT_FALSE(spec::from_run_flags(gvisor, caller));
}

TEST(Egress, FlagsAndRuleset) {
  auto caller = testing::test_caller();
  auto f = with_network("bridge");
  f.egress_allow = {"203.0.113.10:80,443", "198.51.100.0/24", "192.0.2.7"};
  auto n = spec::parse_network(f, caller);
  ASSERT_TRUE(n) << n.error().what();
  ASSERT_TRUE(n->egress.enforced);
  ASSERT_EQ(n->egress.allow.size(), 3u);
  EXPECT_EQ(n->egress.allow[0].cidr, "203.0.113.10/32");
  EXPECT_EQ(n->egress.allow[0].ports, (std::vector<uint16_t>{80, 443}));
  EXPECT_EQ(n->egress.allow[2].cidr, "192.0.2.7/32");
  auto rules = net::egress_ruleset(n->egress);
  std::string text = rules.dump();
  // The any-port destinations go into one interval set; ported ones get a rule per protocol.
  EXPECT_NE(text.find(R"({"prefix":{"addr":"198.51.100.0","len":24}})"), std::string::npos);
  EXPECT_NE(text.find(R"("right":{"set":[80,443]})"), std::string::npos) << text;
  // Rejections come last: a reset for TCP, then ICMP for the rest.
  EXPECT_EQ(rules.back()["add"]["rule"]["expr"][0]["reject"]["type"], "icmpx");
  EXPECT_EQ(rules[rules.size() - 2]["add"]["rule"]["expr"][1]["reject"]["type"], "tcp reset");
  f.egress_allow.clear();
  f.egress_deny_all = true;
  EXPECT_TRUE(spec::parse_network(f, caller)->egress.allow.empty());
  EXPECT_FALSE(spec::parse_network(with_network("none"), caller)->egress.enforced);
  auto none = with_network("none");
  none.egress_deny_all = true;
  EXPECT_FALSE(spec::parse_network(none, caller));
  for (const char* bad : {"10.0.0.0/8:0", "10.0.0.0/8:65536", "10.0.0.0/8:", "10.0.0.1/8",
                          "host.example", "10.0.0.0/8:1,,2"}) {
    f.egress_allow = {bad};
    EXPECT_FALSE(spec::parse_network(f, caller)) << bad;
  }
}

TEST(Publish, PortFlags) {
  auto caller = testing::test_caller();
  auto f = with_network("bridge");
  f.publish = {"8080:80", "127.0.0.1:5353:53/udp"};
  auto n = spec::parse_network(f, caller);
  ASSERT_TRUE(n) << n.error().what();
  ASSERT_EQ(n->publish.size(), 2u);
  EXPECT_EQ(n->publish[0].host_port, 8080);
  EXPECT_EQ(n->publish[0].container_port, 80);
  EXPECT_EQ(n->publish[0].proto, "tcp");
  EXPECT_EQ(n->publish[0].host_ip, "");
  EXPECT_EQ(n->publish[1].host_ip, "127.0.0.1");
  EXPECT_EQ(n->publish[1].proto, "udp");
  for (const char* bad :
       {"8080", "0:80", "8080:65536", "8080:80/sctp", "host:8080:80", "1:2:3:4", "8080:80/"}) {
    f.publish = {bad};
    EXPECT_FALSE(spec::parse_network(f, caller)) << bad;
  }
  auto none = with_network("none");
  none.publish = {"8080:80"};
  EXPECT_FALSE(spec::parse_network(none, caller));
  auto rules = net::publish_ruleset(std::string(64, 'a'), 0x0a580002, n->publish).dump();
  EXPECT_NE(rules.find(R"({"dnat":{"addr":"10.88.0.2","port":80}})"), std::string::npos) << rules;
  EXPECT_NE(rules.find("nucleus-pub-aaaaaaaaaaaa"), std::string::npos);
}

TEST(NetworkFiles, ResolvConfFollowsTheMode) {
  const std::string host =
      "search corp.example\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n";
  spec::Network n;
  EXPECT_EQ(plan::resolv_conf(n, host), "# no network: nucleus run --network none\n");
  n.mode = spec::NetworkMode::kBridge;
  // The host's loopback resolver is unreachable from the container: left out.
  EXPECT_EQ(plan::resolv_conf(n, host),
            "# generated by nucleus\nsearch corp.example\noptions edns0\nnameserver 10.0.0.2\n");
  EXPECT_EQ(plan::resolv_conf(n, "nameserver 127.0.0.1\n"),
            "# generated by nucleus\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  n.dns = {"192.0.2.53"};
  EXPECT_EQ(plan::resolv_conf(n, host),
            "# generated by nucleus\nsearch corp.example\noptions edns0\nnameserver 192.0.2.53\n");
  n.dns.clear();
  n.mode = spec::NetworkMode::kHost;
  EXPECT_EQ(plan::resolv_conf(n, host), host);
  spec::Spec s;
  s.hostname = "box";
  s.network.hosts = {{"db", "10.1.2.3"}};
  EXPECT_EQ(plan::hosts_file(s),
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n127.0.1.1\tbox\n10.1.2.3\tdb\n");
}

class PortClaims : public testing::TempDirTest {};

TEST_F(PortClaims, OnePortOneHolderPerAddress) {
  auto pub = [](const std::string& ip, uint16_t port, const std::string& proto = "tcp") {
    return spec::Publish{ip, port, 80, proto};
  };
  std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
  ASSERT_TRUE(net::reserve_ports(dir_, a, {pub("", 8080)}));
  auto taken = net::reserve_ports(dir_, b, {pub("127.0.0.1", 8080)});  // every address has it
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().message, "port 8080/tcp is already published by container aaaaaaaaaaaa");
  EXPECT_TRUE(net::reserve_ports(dir_, b, {pub("", 8080, "udp"), pub("127.0.0.1", 9090)}));
  EXPECT_TRUE(net::reserve_ports(dir_, c, {pub("127.0.0.2", 9090)}));  // another address
  EXPECT_FALSE(net::reserve_ports(dir_, c, {pub("", 9090)}));
  EXPECT_EQ(net::free_ports(dir_, a), true);
  EXPECT_EQ(net::free_ports(dir_, a), false);  // nothing left of it
  EXPECT_TRUE(net::reserve_ports(dir_, a, {pub("127.0.0.1", 8080)}));
  for (const auto& id : {a, b, c}) EXPECT_EQ(net::free_ports(dir_, id), true);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ports.json"));  // the last one takes the file
}

}  // namespace
}  // namespace nucleus
