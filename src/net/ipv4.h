// IPv4 addresses and subnets as bridge networks use them (host byte order), and the address
// checks of --dns and --add-host (IPv4 or IPv6).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace nucleus::net {

struct Cidr {
  uint32_t base = 0;  // the network address: no host bits set
  int prefix = 0;

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool contains(uint32_t ip) const { return (ip & mask()) == base; }
  bool overlaps(const Cidr& o) const { return contains(o.base) || o.contains(base); }
  uint32_t host(uint32_t n) const { return base + n; }  // n-th address in the subnet
  uint32_t broadcast() const { return base | ~mask(); }
  std::string str() const;
};

Result<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t ip);
// "A.B.C.D/N"; host bits must be clear (10.88.0.0/16, not 10.88.1.0/16).
Result<Cidr> parse_cidr(std::string_view text);
// An IPv4 or IPv6 address in its textual form.
bool valid_ip(std::string_view text);

}  // namespace nucleus::net
