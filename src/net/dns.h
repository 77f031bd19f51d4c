// The DNS wire format, as much as the egress resolver needs (RFC 1035): the question of a query,
// a refusal built from it, and the A records of an answer; and the domain patterns of
// --egress-allow-domain ("example.com" that name only, "*.example.com" any name below it).
// Every parser bounds-checks against the message it is given: input comes from the workload.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nucleus::net::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint8_t kRcodeNxDomain = 3;
inline constexpr uint8_t kRcodeRefused = 5;
inline constexpr uint8_t kRcodeServFail = 2;

struct Question {
  uint16_t id = 0;
  std::string name;  // lower case, no trailing dot; "" for the root
  uint16_t type = 0;
  uint16_t klass = 0;
};

struct Record {
  uint32_t addr = 0;  // IPv4, host byte order
  uint32_t ttl = 0;   // seconds
};

struct Answer {
  Question question;
  uint8_t rcode = 0;
  std::vector<Record> a;  // every A record of the answer section (CNAME chains included)
};

// A standard query (QR=0, opcode 0) with exactly one question; nullopt otherwise.
std::optional<Question> parse_query(std::span<const uint8_t> msg);
// A response (QR=1) with exactly one question.
std::optional<Answer> parse_answer(std::span<const uint8_t> msg);
// The reply to `query` (a valid one) that carries only its question and `rcode`.
std::vector<uint8_t> reply_with(std::span<const uint8_t> query, uint8_t rcode);
// Sets the ID of a message (at least 2 bytes).
void set_id(std::span<uint8_t> msg, uint16_t id);

// A pattern of --egress-allow-domain: a host name of letters, digits, '-' and '_' labels (each
// 1..63, not starting or ending with '-'), 253 characters at most, optionally behind "*.".
bool valid_pattern(std::string_view pattern);
// Lower case, without a trailing dot.
std::string normalize(std::string_view name);
bool matches(std::string_view pattern, std::string_view name);
bool allowed(const std::vector<std::string>& patterns, std::string_view name);

}  // namespace nucleus::net::dns
