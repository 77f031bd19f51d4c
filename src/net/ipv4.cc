#include "net/ipv4.h"

#include <arpa/inet.h>

#include "util/parse.h"

namespace nucleus::net {

std::string Cidr::str() const {
  return format_ipv4(base) + "/" + std::to_string(prefix);
}

Result<uint32_t> parse_ipv4(std::string_view text) {
  in_addr a{};
  std::string s(text);
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1)
    return fail_invalid("'{}' is not an IPv4 address", text);
  return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t ip) {
  in_addr a{htonl(ip)};
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

Result<Cidr> parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    return fail_invalid("'{}' is not a subnet: want A.B.C.D/N", text);
  auto ip = parse_ipv4(text.substr(0, slash));
  auto prefix = parse::uint(text.substr(slash + 1), 0, 32);
  if (!ip || !prefix) return fail_invalid("'{}' is not a subnet: want A.B.C.D/N", text);
  Cidr c{*ip, static_cast<int>(*prefix)};
  if ((c.base & c.mask()) != c.base)
    return fail_invalid("subnet '{}' has host bits set (did you mean {}?)", text,
                        Cidr{c.base & c.mask(), c.prefix}.str());
  return c;
}

bool valid_ip(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace nucleus::net
