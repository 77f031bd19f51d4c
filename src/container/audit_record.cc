#include "container/audit_record.h"

#include <algorithm>
#include <array>

#include "util/parse.h"

namespace nucleus::container {
namespace {

// The fields audit_log_untrustedstring() writes: quoted, or hex when they hold a blank, a quote
// or a control character.
constexpr std::array<std::string_view, 6> kUntrusted = {"comm", "exe",   "path",
                                                        "name", "ocomm", "cwd"};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The hex-encoded string, or the value itself when it is not hex.
std::string unhex(std::string_view v) {
  if (v.empty() || v.size() % 2 != 0) return std::string(v);
  std::string out;
  for (size_t i = 0; i < v.size(); i += 2) {
    int hi = hex_digit(v[i]), lo = hex_digit(v[i + 1]);
    if (hi < 0 || lo < 0) return std::string(v);
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

std::string_view AuditRecord::get(std::string_view key) const {
  auto it = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return f.first == key; });
  return it == fields.end() ? std::string_view() : std::string_view(it->second);
}

std::optional<AuditRecord> parse_audit_record(std::string_view text) {
  if (!text.starts_with("audit(")) return std::nullopt;
  size_t colon = text.find(':'), close = text.find("): ");
  if (colon == std::string_view::npos || close == std::string_view::npos || colon > close)
    return std::nullopt;
  auto serial = parse::uint(text.substr(colon + 1, close - colon - 1), 0, UINT64_MAX);
  if (!serial) return std::nullopt;
  AuditRecord r;
  r.serial = *serial;
  std::string_view rest = text.substr(close + 3);
  while (!rest.empty()) {
    if (rest[0] == ' ') {
      rest.remove_prefix(1);
      continue;
    }
    size_t eq = rest.find('=');
    size_t blank = rest.find(' ');
    if (eq == std::string_view::npos || (blank != std::string_view::npos && blank < eq)) {
      rest.remove_prefix(blank == std::string_view::npos ? rest.size() : blank);  // a bare word
      continue;
    }
    std::string key(rest.substr(0, eq));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest[0] == '"') {
      size_t end = rest.find('"', 1);
      value = rest.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    } else {
      size_t end = std::min(rest.find(' '), rest.size());
      value = rest.substr(0, end);
      rest.remove_prefix(end);
      if (std::find(kUntrusted.begin(), kUntrusted.end(), key) != kUntrusted.end())
        value = unhex(value);
    }
    r.fields.emplace_back(std::move(key), std::move(value));
  }
  return r;
}

}  // namespace nucleus::container
