// The subset of TOML that nucleus's policy files use, parsed strictly: `key = value` with
// integers, true/false, basic strings ("...", escapes \" \\ \n \t \r) and arrays of those
// (which may span lines), `[[name]]` array tables, comments and blank lines. No dependency:
// Debian 12's toml++ reaches undefined behaviour on inputs as small as "[$" (the fuzzer's).
// Errors are one line, "line N: ...".
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace nucleus::toml {

struct Value {
  enum class Kind { kInt, kBool, kString, kArray } kind = Kind::kInt;
  int64_t integer = 0;
  bool boolean = false;
  std::string string;
  std::vector<Value> items;
  int line = 0;
};

struct Table {
  std::map<std::string, Value> keys;
  int line = 0;
};

struct Document {
  Table top;
  std::map<std::string, std::vector<Table>> arrays;  // [[name]] tables, in order
};

Result<Document> parse(std::string_view text);

// Reading a parsed file; where prefixes the errors ("--caps-policy: line 3: ...").
Result<> known_keys(const Table& t, const std::set<std::string>& keys, const std::string& where);
const Value* find(const Table& t, const char* key);  // nullptr when absent
// The items of an array of strings (none when v is nullptr).
Result<std::vector<const Value*>> strings(const Value* v, const char* key,
                                          const std::string& where);

}  // namespace nucleus::toml
