#include "net/dns.h"

#include <algorithm>

namespace nucleus::net::dns {
namespace {

constexpr size_t kHeader = 12;

uint16_t u16(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
}

uint32_t u32(std::span<const uint8_t> m, size_t at) {
  return uint32_t{u16(m, at)} << 16 | u16(m, at + 2);
}

char lower(uint8_t c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

// Reads the name at `pos` (following compression pointers, each strictly backwards, so that
// no loop is possible), appending it to `out` unless null; returns the offset after it in the
// message, or nullopt when it is malformed.
std::optional<size_t> read_name(std::span<const uint8_t> m, size_t pos, std::string* out) {
  std::optional<size_t> end;
  size_t limit = pos;  // a pointer must point before the label that holds it
  for (int labels = 0; labels < 128; labels++) {
    if (pos >= m.size()) return std::nullopt;
    uint8_t len = m[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= m.size()) return std::nullopt;
      size_t target = (len & 0x3fu) << 8 | m[pos + 1];
      if (!end) end = pos + 2;
      if (target >= limit) return std::nullopt;
      pos = limit = target;
      continue;
    }
    if (len & 0xc0) return std::nullopt;  // the reserved label types
    if (len == 0) {
      if (out && out->size() > 253) return std::nullopt;
      return end ? *end : pos + 1;
    }
    if (pos + 1 + len > m.size()) return std::nullopt;
    if (out) {
      if (!out->empty()) out->push_back('.');
      for (size_t i = 0; i < len; i++) out->push_back(lower(m[pos + 1 + i]));
    }
    pos += 1 + len;
  }
  return std::nullopt;
}

// The single question of a message and the offset after it.
std::optional<std::pair<Question, size_t>> question(std::span<const uint8_t> m) {
  if (m.size() < kHeader || u16(m, 4) != 1) return std::nullopt;
  Question q;
  q.id = u16(m, 0);
  auto end = read_name(m, kHeader, &q.name);
  if (!end || *end + 4 > m.size()) return std::nullopt;
  q.type = u16(m, *end);
  q.klass = u16(m, *end + 2);
  return std::pair{q, *end + 4};
}

bool label_ok(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  return std::all_of(l.begin(), l.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

}  // namespace

std::optional<Question> parse_query(std::span<const uint8_t> m) {
  if (m.size() < kHeader || (m[2] & 0x80) || (m[2] & 0x78)) return std::nullopt;
  auto q = question(m);
  if (!q) return std::nullopt;
  return q->first;
}

std::optional<Answer> parse_answer(std::span<const uint8_t> m) {
  if (m.size() < kHeader || !(m[2] & 0x80)) return std::nullopt;
  auto q = question(m);
  if (!q) return std::nullopt;
  Answer a;
  a.question = q->first;
  a.rcode = m[3] & 0x0f;
  size_t pos = q->second;
  for (uint16_t n = u16(m, 6); n > 0; n--) {
    auto end = read_name(m, pos, nullptr);
    if (!end || *end + 10 > m.size()) return std::nullopt;
    uint16_t type = u16(m, *end), klass = u16(m, *end + 2), len = u16(m, *end + 8);
    uint32_t ttl = u32(m, *end + 4);
    size_t data = *end + 10;
    if (data + len > m.size()) return std::nullopt;
    if (type == kTypeA && klass == 1 && len == 4)
      a.a.push_back({u32(m, data), ttl > 0x7fffffff ? 0 : ttl});  // RFC 2181 8
    pos = data + len;
  }
  return a;
}

std::vector<uint8_t> reply_with(std::span<const uint8_t> query, uint8_t rcode) {
  auto q = question(query);
  size_t end = q ? q->second : std::min(query.size(), kHeader);
  std::vector<uint8_t> r(query.begin(), query.begin() + static_cast<long>(end));
  r.resize(std::max(r.size(), kHeader));
  r[2] = static_cast<uint8_t>(0x80 | (r[2] & 0x79));   // QR, the opcode and RD kept
  r[3] = static_cast<uint8_t>(0x80 | (rcode & 0x0f));  // RA
  r[4] = 0;
  r[5] = q ? 1 : 0;
  std::fill(r.begin() + 6, r.begin() + kHeader, 0);
  return r;
}

void set_id(std::span<uint8_t> msg, uint16_t id) {
  msg[0] = static_cast<uint8_t>(id >> 8);
  msg[1] = static_cast<uint8_t>(id);
}

bool valid_pattern(std::string_view p) {
  if (p.starts_with("*.")) p.remove_prefix(2);
  if (p.empty() || p.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = p.find('.', start);
    if (!label_ok(p.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string normalize(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  std::string out;
  for (char c : name) out.push_back(lower(static_cast<uint8_t>(c)));
  return out;
}

bool matches(std::string_view pattern, std::string_view name) {
  if (!pattern.starts_with("*.")) return pattern == name;
  std::string_view suffix = pattern.substr(1);  // ".example.com"
  return name.size() > suffix.size() && name.ends_with(suffix);
}

bool allowed(const std::vector<std::string>& patterns, std::string_view name) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return matches(p, name); });
}

}  // namespace nucleus::net::dns
