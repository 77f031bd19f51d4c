// The egress resolver's DNS wire format and domain patterns, and the guard's records.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "net/dns.h"
#include "net/guard.h"
#include "plan/build.h"
#include "spec/run_flags.h"

namespace nucleus {
namespace {

using Bytes = std::vector<uint8_t>;
namespace dns = net::dns;

Bytes name_bytes(const std::string& name) {
  Bytes out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

Bytes query(uint16_t id, const std::string& name, uint16_t type = dns::kTypeA) {
  Bytes m = {
      static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  Bytes n = name_bytes(name);
  m.insert(m.end(), n.begin(), n.end());
  m.insert(m.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return m;
}

// An answer to `q` with the given records, each (owner bytes, type, ttl, rdata).
struct Rr {
  Bytes owner;
  uint16_t type;
  uint32_t ttl;
  Bytes data;
};
Bytes answer(const Bytes& q, const std::vector<Rr>& rrs) {
  Bytes m = q;
  m[2] = 0x81;
  m[3] = 0x80;
  m[7] = static_cast<uint8_t>(rrs.size());
  for (const auto& r : rrs) {
    m.insert(m.end(), r.owner.begin(), r.owner.end());
    m.insert(m.end(), {static_cast<uint8_t>(r.type >> 8), static_cast<uint8_t>(r.type), 0, 1,
                       static_cast<uint8_t>(r.ttl >> 24), static_cast<uint8_t>(r.ttl >> 16),
                       static_cast<uint8_t>(r.ttl >> 8), static_cast<uint8_t>(r.ttl), 0,
                       static_cast<uint8_t>(r.data.size())});
    m.insert(m.end(), r.data.begin(), r.data.end());
  }
  return m;
}

const Bytes kToQuestion = {0xc0, 12};  // a compression pointer to the question's name

TEST(Dns, ParsesTheQuestionOfAQuery) {
  auto q = dns::parse_query(query(0x1234, "Api.Example.COM"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->id, 0x1234);
  EXPECT_EQ(q->name, "api.example.com");
  EXPECT_EQ(q->type, dns::kTypeA);
  EXPECT_EQ(q->klass, 1);
  // A response, another opcode, two questions, a truncated name: not a query we answer.
  Bytes m = query(1, "a.test");
  m[2] |= 0x80;
  EXPECT_FALSE(dns::parse_query(m));
  m = query(1, "a.test");
  m[2] |= 0x10;  // opcode 2 (status)
  EXPECT_FALSE(dns::parse_query(m));
  m = query(1, "a.test");
  m[5] = 2;
  EXPECT_FALSE(dns::parse_query(m));
  m = query(1, "a.test");
  m.resize(m.size() - 6);
  EXPECT_FALSE(dns::parse_query(m));
  EXPECT_FALSE(dns::parse_query(Bytes(5, 0)));
}

TEST(Dns, ReplyKeepsTheQuestionAndSaysNo) {
  Bytes q = query(0xbeef, "denied.test");
  Bytes r = dns::reply_with(q, dns::kRcodeNxDomain);
  auto a = dns::parse_answer(r);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->question.id, 0xbeef);
  EXPECT_EQ(a->question.name, "denied.test");
  EXPECT_EQ(a->rcode, dns::kRcodeNxDomain);
  EXPECT_TRUE(a->a.empty());
  EXPECT_EQ(r.size(), q.size());
  EXPECT_EQ(r[2] & 0x01, 1);  // recursion desired, as asked
}

TEST(Dns, CollectsTheARecordsOfAnAnswer) {
  Bytes q = query(7, "www.example.com");
  // A CNAME to cdn.example.net (its owner a pointer), then two A records of the target.
  Bytes target = name_bytes("cdn.example.net");
  Bytes m = answer(q, {{kToQuestion, 5, 300, target},
                       {kToQuestion, dns::kTypeA, 60, {192, 0, 2, 1}},
                       {kToQuestion, dns::kTypeA, 0xffffffff, {192, 0, 2, 2}},
                       {kToQuestion, 28, 60, Bytes(16, 0)}});  // AAAA: not for the set
  auto a = dns::parse_answer(m);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->question.name, "www.example.com");
  ASSERT_EQ(a->a.size(), 2u);
  EXPECT_EQ(a->a[0].addr, 0xc0000201u);
  EXPECT_EQ(a->a[0].ttl, 60u);
  EXPECT_EQ(a->a[1].ttl, 0u);  // the top bit set: RFC 2181 reads it as 0
  dns::set_id(m, 0x4242);
  EXPECT_EQ(dns::parse_answer(m)->question.id, 0x4242);
}

TEST(Dns, RefusesMalformedAnswers) {
  Bytes q = query(7, "a.test");
  // Record data running past the end.
  Bytes m = answer(q, {{kToQuestion, dns::kTypeA, 60, {1, 2, 3, 4}}});
  m.pop_back();
  EXPECT_FALSE(dns::parse_answer(m));
  // A pointer to itself, and one pointing forwards: no loops, no reading ahead.
  Bytes self = answer(q, {});
  self[7] = 1;
  size_t at = self.size();
  self.insert(self.end(),
              {0xc0, static_cast<uint8_t>(at), 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
  EXPECT_FALSE(dns::parse_answer(self));
  Bytes forward = q;
  forward[12] = 0xc0;
  forward[13] = 40;
  EXPECT_FALSE(dns::parse_query(forward));
  // Reserved label types (0x40, 0x80).
  Bytes reserved = q;
  reserved[12] = 0x41;
  EXPECT_FALSE(dns::parse_query(reserved));
}

TEST(Dns, Patterns) {
  for (const char* good : {"example.com", "*.example.com", "a-b.c_d.test", "localhost", "x1.y2"})
    EXPECT_TRUE(dns::valid_pattern(good)) << good;
  for (const char* bad : {"", "*", "*.", ".test", "a..b", "a.", "-a.test", "a-.test", "*.*.test",
                          "x*.test", "a b.test", "a/b", "é.test"})
    EXPECT_FALSE(dns::valid_pattern(bad)) << bad;
  EXPECT_FALSE(dns::valid_pattern(std::string(64, 'a') + ".test"));  // a label over 63
  EXPECT_FALSE(dns::valid_pattern(std::string(250, 'a') + ".test"));
  EXPECT_EQ(dns::normalize("Example.COM."), "example.com");
  EXPECT_TRUE(dns::matches("example.com", "example.com"));
  EXPECT_FALSE(dns::matches("example.com", "www.example.com"));
  EXPECT_TRUE(dns::matches("*.example.com", "www.example.com"));
  EXPECT_TRUE(dns::matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(dns::matches("*.example.com", "example.com"));
  EXPECT_FALSE(dns::matches("*.example.com", "badexample.com"));
  EXPECT_TRUE(dns::allowed({"a.test", "*.b.test"}, "x.b.test"));
  EXPECT_FALSE(dns::allowed({}, "a.test"));
}

TEST(Guard, ConfigRoundTripsAndIsChecked) {
  net::guard::Config c{"abc", true, {"a.test", "*.b.test"}, {"192.0.2.53"}};
  auto back = net::guard::parse_config(net::guard::to_json(c));
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->container, "abc");
  EXPECT_TRUE(back->resolver);
  EXPECT_EQ(back->domains, c.domains);
  EXPECT_EQ(back->upstream, c.upstream);
  EXPECT_FALSE(net::guard::parse_config("[]"));
  EXPECT_FALSE(net::guard::parse_config("{\"container\": 1}"));
  c.domains = {"a..b"};
  EXPECT_FALSE(net::guard::parse_config(net::guard::to_json(c)));
  c.domains = {};
  c.upstream = {"::1"};  // the resolver asks over IPv4
  EXPECT_FALSE(net::guard::parse_config(net::guard::to_json(c)));
}

TEST(Guard, DeniedPacketsBecomeEvents) {
  // IPv4, IHL 5, TCP from 10.88.0.2 to 203.0.113.20:8080.
  Bytes tcp = {0x45, 0,  0, 40, 0,   0, 0x40, 0,  64,   6,    0,    0,
               10,   88, 0, 2,  203, 0, 113,  20, 0xc0, 0x00, 0x1f, 0x90};
  auto d = net::guard::parse_denied_packet(tcp);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->protocol, "tcp");
  EXPECT_EQ(d->port, 8080);
  auto e = nlohmann::json::parse(net::guard::connection_event("id", *d, "other.test"));
  EXPECT_EQ(e["type"], "egress-denied");
  EXPECT_EQ(e["destination"], "203.0.113.20");
  EXPECT_EQ(e["port"], 8080);
  EXPECT_EQ(e["name"], "other.test");
  // ICMP has no port; a later fragment carries none; IPv6 and short packets are not parsed.
  Bytes icmp = tcp;
  icmp[9] = 1;
  d = net::guard::parse_denied_packet(icmp);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 0);
  EXPECT_FALSE(nlohmann::json::parse(net::guard::connection_event("id", *d, "")).contains("port"));
  Bytes fragment = tcp;
  fragment[7] = 8;
  EXPECT_EQ(net::guard::parse_denied_packet(fragment)->port, 0);
  Bytes v6 = tcp;
  v6[0] = 0x60;
  EXPECT_FALSE(net::guard::parse_denied_packet(v6));
  EXPECT_FALSE(net::guard::parse_denied_packet(Bytes(tcp.begin(), tcp.begin() + 19)));
  Bytes long_header = tcp;
  long_header[0] = 0x4f;  // 60 bytes of header, more than there is
  EXPECT_FALSE(net::guard::parse_denied_packet(long_header));
  // A name the workload made up, not UTF-8: replaced, one line still.
  std::string line = net::guard::dns_event("id", "\xff\xfe.test");
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(nlohmann::json::parse(line)["type"], "dns-denied");
}

TEST(Guard, DomainPolicyPointsResolvConfAtTheResolver) {
  spec::RunFlags f;
  f.network = "bridge";
  f.egress_allow_domains = {"API.example.com", "*.cdn.test", "api.example.com"};
  auto n = spec::parse_network(f, spec::Caller{});
  ASSERT_TRUE(n) << n.error().what();
  EXPECT_TRUE(n->egress.enforced);
  EXPECT_EQ(n->egress.domains, (std::vector<std::string>{"api.example.com", "*.cdn.test"}));
  EXPECT_EQ(plan::resolv_conf(*n, "search corp\nnameserver 10.0.0.2\n"),
            "# generated by nucleus\nsearch corp\nnameserver 127.0.0.11\n");
  f.egress_allow_domains = {"bad..name"};
  EXPECT_FALSE(spec::parse_network(f, spec::Caller{}));
  f.network = "none";
  f.egress_allow_domains = {"ok.test"};
  EXPECT_FALSE(spec::parse_network(f, spec::Caller{}));
}

}  // namespace
}  // namespace nucleus
