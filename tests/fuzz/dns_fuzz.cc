// libFuzzer target: the DNS messages and nflog packets that the egress guard reads from the
// workload (and from upstream servers), and the domain patterns users type.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "net/dns.h"
#include "net/guard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace dns = nucleus::net::dns;
  std::span<const uint8_t> msg(data, size);
  if (auto q = dns::parse_query(msg)) {
    auto reply = dns::reply_with(msg, dns::kRcodeNxDomain);
    if (!dns::parse_answer(reply)) __builtin_trap();  // a reply to a query must parse back
    (void)dns::allowed({"*.example.com", "example.org"}, q->name);
  }
  (void)dns::parse_answer(msg);
  if (auto d = nucleus::net::guard::parse_denied_packet(msg))
    (void)nucleus::net::guard::connection_event("id", *d, "");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)dns::valid_pattern(text);
  (void)nucleus::net::guard::dns_event("id", std::string(text));
  return 0;
}
