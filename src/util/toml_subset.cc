#include "util/toml_subset.h"

#include <limits>

namespace nucleus::toml {
namespace {

bool bare(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  Result<Document> document() {
    Document doc;
    Table* current = &doc.top;
    for (;;) {
      skip_blank_lines();
      if (done()) return doc;
      if (peek() == '[') {
        if (i_ + 1 >= t_.size() || t_[i_ + 1] != '[')
          return fail_here("[table] is not supported here; use [[name]] array tables");
        i_ += 2;
        skip_spaces();
        std::string name = TRY(key());
        skip_spaces();
        if (t_.substr(i_, 2) != "]]") return fail_here("expected ]] after [[{}", name);
        i_ += 2;
        if (doc.top.keys.count(name)) return fail_here("{} is already a key", name);
        int line = line_;
        TRY(end_of_line());
        auto& list = doc.arrays[name];
        list.push_back(Table{{}, line});
        current = &list.back();
        continue;
      }
      std::string k = TRY(key());
      skip_spaces();
      if (done() || peek() != '=') return fail_here("expected = after {}", k);
      i_++;
      skip_spaces();
      Value v = TRY(value());
      TRY(end_of_line());
      if (current->keys.count(k) || (current == &doc.top && doc.arrays.count(k)))
        return fail(Error::invalid("line {}: {} is given twice", v.line, k));
      current->keys.emplace(std::move(k), std::move(v));
    }
  }

 private:
  bool done() const { return i_ >= t_.size(); }
  char peek() const { return t_[i_]; }

  template <typename... Args>
  Error error_here(fmt::format_string<Args...> f, Args&&... args) const {
    return Error::invalid("line {}: {}", line_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  tl::unexpected<Error> fail_here(fmt::format_string<Args...> f, Args&&... args) const {
    return fail(error_here(f, std::forward<Args>(args)...));
  }

  void skip_spaces() {
    while (!done() && (peek() == ' ' || peek() == '\t')) i_++;
  }
  void skip_comment() {
    if (!done() && peek() == '#')
      while (!done() && peek() != '\n') i_++;
  }
  // Spaces, comments and line ends (also inside arrays).
  void skip_blank_lines() {
    for (;;) {
      skip_spaces();
      skip_comment();
      if (done() || (peek() != '\n' && peek() != '\r')) return;
      if (peek() == '\n') line_++;
      i_++;
    }
  }
  Result<> end_of_line() {
    skip_spaces();
    skip_comment();
    if (!done() && peek() == '\r') i_++;
    if (done()) return {};
    if (peek() != '\n') return fail_here("expected the end of the line");
    i_++;
    line_++;
    return {};
  }

  Result<std::string> key() {
    size_t start = i_;
    while (!done() && bare(peek())) i_++;
    if (i_ == start) return fail_here("expected a key");
    return std::string(t_.substr(start, i_ - start));
  }

  Result<Value> value() {
    if (done()) return fail_here("expected a value");
    Value v;
    v.line = line_;
    char c = peek();
    if (c == '"') {
      v.kind = Value::Kind::kString;
      v.string = TRY(string());
    } else if (c == '[') {
      v.kind = Value::Kind::kArray;
      i_++;
      for (;;) {
        skip_blank_lines();
        if (!done() && peek() == ']') break;
        v.items.push_back(TRY(value()));
        skip_blank_lines();
        if (!done() && peek() == ',') {
          i_++;
          continue;
        }
        if (done() || peek() != ']') return fail_here("expected , or ] in the array");
        break;
      }
      i_++;
    } else if (t_.substr(i_, 4) == "true" || t_.substr(i_, 5) == "false") {
      v.kind = Value::Kind::kBool;
      v.boolean = c == 't';
      i_ += v.boolean ? 4 : 5;
    } else if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
      v.kind = Value::Kind::kInt;
      v.integer = TRY(integer());
    } else {
      return fail_here("expected a value");
    }
    if (!done() && bare(peek())) return fail_here("unexpected '{}' after the value", peek());
    return v;
  }

  Result<std::string> string() {
    i_++;  // the opening quote
    std::string out;
    for (;;) {
      if (done() || peek() == '\n') return fail_here("unterminated string");
      char c = t_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (done()) return fail_here("unterminated string");
      char e = t_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        default:
          return fail_here("unsupported escape \\{}", e);
      }
    }
  }

  Result<int64_t> integer() {
    bool negative = peek() == '-';
    if (peek() == '-' || peek() == '+') i_++;
    if (done() || peek() < '0' || peek() > '9') return fail_here("expected digits");
    uint64_t v = 0;
    while (!done() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + static_cast<uint64_t>(peek() - '0');
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return fail_here("the number is too large");
      i_++;
    }
    return negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  }

  std::string_view t_;
  size_t i_ = 0;
  int line_ = 1;
};

}  // namespace

Result<Document> parse(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0 || u == 0x7f || (u < 0x20 && c != '\t' && c != '\n' && c != '\r'))
      return fail_invalid("a control character (0x{:02x}) in the file", u);
  }
  return Parser(text).document();
}

Result<> known_keys(const Table& t, const std::set<std::string>& keys, const std::string& where) {
  for (const auto& [k, v] : t.keys)
    if (!keys.count(k)) return fail_invalid("{}: line {}: unknown key '{}'", where, v.line, k);
  return {};
}

const Value* find(const Table& t, const char* key) {
  auto it = t.keys.find(key);
  return it == t.keys.end() ? nullptr : &it->second;
}

Result<std::vector<const Value*>> strings(const Value* v, const char* key,
                                          const std::string& where) {
  std::vector<const Value*> out;
  if (v == nullptr) return out;
  if (v->kind != Value::Kind::kArray)
    return fail_invalid("{}: line {}: {} wants an array of strings", where, v->line, key);
  for (const auto& e : v->items) {
    if (e.kind != Value::Kind::kString)
      return fail_invalid("{}: line {}: {} wants an array of strings", where, e.line, key);
    out.push_back(&e);
  }
  return out;
}

}  // namespace nucleus::toml
