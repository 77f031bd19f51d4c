// The egress guard: a process that nucleus-nft becomes for a container with an egress policy
// (`nucleus-nft --netns PATH --guard DIR`). It lives in the container's network namespace while
// the container runs and
//  - records every denied connection (the policy's nflog group) as one JSON line in
//    DIR/events.jsonl, with the name that last resolved to the address when there is one;
//  - with --egress-allow-domain, answers the container's DNS at 127.0.0.11:53: names that the
//    patterns allow go to the upstream servers (from the host's namespace), and each A record
//    of the answer joins the policy's `dns4` set for its TTL before the answer is passed on;
//    other names get NXDOMAIN and a deny event. DIR/egress.json is read again when it changes
//    (`nucleus update --egress-allow-domain`).
// This file holds what both sides share: the configuration and the event records.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/result.h"

namespace nucleus::net {
// The egress table in a native container's own namespace (net/egress.h).
inline constexpr const char* kEgressTable = "nucleus-egress";
}  // namespace nucleus::net

namespace nucleus::net::guard {

inline constexpr const char* kConfigFile = "egress.json";
inline constexpr const char* kEventsFile = "events.jsonl";
inline constexpr uint64_t kEventsMaxSize = 1u << 20;  // then events.jsonl.1 and a new file
inline constexpr const char* kResolverIp = "127.0.0.11";
inline constexpr uint16_t kLogGroup = 1;  // nflog group of the policy's deny rule
inline constexpr const char* kDomainSet = "dns4";

struct Config {
  std::string container;              // its ID
  bool resolver = false;              // DNS served at kResolverIp (domains given at the start)
  std::vector<std::string> domains;   // --egress-allow-domain patterns, normalised
  std::vector<std::string> upstream;  // IPv4 nameservers the resolver forwards to
  // The inet table that holds the dns4 set: in the container's namespace, or a gVisor sandbox's
  // in the host's (net::host_table).
  std::string table = kEgressTable;
};

std::string to_json(const Config& c);
Result<Config> parse_config(std::string_view text);

// A denied packet as the nflog group delivers it (the IPv4 header onwards).
struct Denial {
  std::string protocol;  // tcp | udp | icmp | the protocol number
  uint32_t destination = 0;
  uint16_t port = 0;  // 0 when the protocol has none
};
std::optional<Denial> parse_denied_packet(std::span<const uint8_t> packet);

// One line of the event log, newline included.
std::string connection_event(const std::string& container, const Denial& d,
                             const std::string& name);
std::string dns_event(const std::string& container, const std::string& name);
// The guard could not do its work (the resolver then answers SERVFAIL: it fails closed).
std::string error_event(const std::string& container, const std::string& message);

}  // namespace nucleus::net::guard
