// The subset of TOML that nucleus's policy files use, parsed strictly: `key = value` with
// integers, true/false, basic strings ("...", escapes \" \\ \n \t \r) and arrays of those
// (which may span lines), `[[name]]` array tables, comments and blank lines. No dependency:
// Debian 12's toml++ reaches undefined behaviour on inputs as small as "[$" (the fuzzer's).
// Errors are one line, "line N: ...".
#pragma once

#include <cstdint>
#include <map>
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

}  // namespace nucleus::toml
