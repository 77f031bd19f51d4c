#include "util/parse.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace nucleus::parse {

Result<uint64_t> uint(std::string_view s, uint64_t min, uint64_t max) {
  if (s.empty()) return fail_invalid("empty number");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return fail_invalid("'{}' is not a number", s);
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
      return fail_invalid("'{}' is too large", s);
    v = v * 10 + d;
  }
  if (v < min || v > max) return fail_invalid("{} is out of range [{}, {}]", s, min, max);
  return v;
}

Result<uint64_t> millis(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) return fail_invalid("'{}' is not a number", s);
  if (frac.size() > 3) return fail_invalid("'{}' has more than three decimals", s);
  uint64_t w = whole.empty() ? 0 : TRY(uint(whole, 0, 1u << 20).map_error([&](const Error&) {
    return Error::invalid("'{}' is not a number", s);
  }));
  uint64_t f = 0;
  for (size_t i = 0; i < 3; i++) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return fail_invalid("'{}' is not a number", s);
    f = f * 10 + static_cast<uint64_t>(c - '0');
  }
  return w * 1000 + f;
}

Result<uint64_t> duration_ms(std::string_view s) {
  auto bad = [&] { return Error::invalid("'{}' is not a duration (e.g. 30s, 500ms, 1m30s)", s); };
  if (s.empty()) return fail(bad());
  if (s.find_first_not_of("0123456789.") == std::string_view::npos)
    return millis(s).map_error([&](const Error&) { return bad(); });
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  uint64_t total = 0;
  for (std::string_view rest = s; !rest.empty();) {
    size_t num_end = rest.find_first_not_of("0123456789.");
    if (num_end == 0 || num_end == std::string_view::npos) return fail(bad());
    size_t unit_end = rest.find_first_of("0123456789.", num_end);
    std::string_view unit = rest.substr(num_end, unit_end - num_end);
    auto u = std::find_if(std::begin(kUnits), std::end(kUnits),
                          [&](const auto& k) { return k.first == unit; });
    auto thousandths = millis(rest.substr(0, num_end));
    if (u == std::end(kUnits) || !thousandths) return fail(bad());
    unsigned __int128 v = static_cast<unsigned __int128>(*thousandths) * u->second / 1000;
    if (v > (1ull << 40)) return fail_invalid("duration '{}' is too long", s);
    total += static_cast<uint64_t>(v);
    rest = unit_end == std::string_view::npos ? std::string_view{} : rest.substr(unit_end);
  }
  if (total > (1ull << 40)) return fail_invalid("duration '{}' is too long", s);
  return total;
}

Result<uint64_t> size(std::string_view s) {
  if (s.empty()) return fail_invalid("empty size");
  uint64_t mult = 1;
  char last = static_cast<char>(std::tolower(static_cast<unsigned char>(s.back())));
  std::string_view num = s;
  switch (last) {
    case 'b':
      mult = 1;
      break;
    case 'k':
      mult = 1ull << 10;
      break;
    case 'm':
      mult = 1ull << 20;
      break;
    case 'g':
      mult = 1ull << 30;
      break;
    case 't':
      mult = 1ull << 40;
      break;
    default:
      last = 0;
  }
  if (last != 0) num.remove_suffix(1);
  auto thousandths = millis(num);
  if (!thousandths) return fail_invalid("'{}' is not a size (e.g. 512m, 1.5g)", s);
  unsigned __int128 v = static_cast<unsigned __int128>(*thousandths) * mult / 1000;
  if (v > std::numeric_limits<int64_t>::max()) return fail_invalid("size '{}' is too large", s);
  return static_cast<uint64_t>(v);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t i = 0;
  for (;;) {
    size_t j = s.find(sep, i);
    out.push_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t start = line.find_first_not_of(" \t", i);
    if (start == std::string_view::npos) break;
    size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(start, end - start));
    i = end;
  }
  return out;
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

std::string_view last_line(std::string_view text) {
  text = trim_end(text);
  size_t nl = text.rfind('\n');
  return nl == std::string_view::npos ? text : text.substr(nl + 1);
}

}  // namespace nucleus::parse
