// The TOML subset of policy files: what parses, and where a mistake is.
#include <gtest/gtest.h>

#include "util/toml_subset.h"

namespace nucleus::toml {
namespace {

std::string error_of(std::string_view text) {
  auto d = parse(text);
  return d ? "accepted" : d.error().message;
}

TEST(TomlSubset, ValuesTablesAndComments) {
  auto d = parse(R"(# a policy
n = -42   # trailing comment
yes = true
s = "a \"quoted\" \\ path\tx"
list = [
  "one",  # comments inside
  "two",
]
empty = []

[[t]]
k = 1
[[t]]
k = 2
)");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->top.keys.at("n").integer, -42);
  EXPECT_EQ(d->top.keys.at("n").line, 2);
  EXPECT_TRUE(d->top.keys.at("yes").boolean);
  EXPECT_EQ(d->top.keys.at("s").string, "a \"quoted\" \\ path\tx");
  const Value& list = d->top.keys.at("list");
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[1].string, "two");
  EXPECT_EQ(list.items[1].line, 7);
  EXPECT_TRUE(d->top.keys.at("empty").items.empty());
  ASSERT_EQ(d->arrays.at("t").size(), 2u);
  EXPECT_EQ(d->arrays.at("t")[1].keys.at("k").integer, 2);
  EXPECT_EQ(d->arrays.at("t")[1].line, 13);
  EXPECT_TRUE(parse("k = 1\r\nj = 2\r\n"));
}

TEST(TomlSubset, MistakesNameTheLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"a = 1\na = 2\n", "line 2: a is given twice"},
      {"a = \"open\n", "line 1: unterminated string"},
      {"a = \"\\x\"\n", "line 1: unsupported escape \\x"},
      {"a = [1, 2\n", "line 2: expected , or ] in the array"},
      {"a = 1 b = 2\n", "line 1: expected the end of the line"},
      {"a = truely\n", "line 1: unexpected 'l' after the value"},
      {"= 1\n", "line 1: expected a key"},
      {"a 1\n", "line 1: expected = after a"},
      {"a = 99999999999999999999\n", "line 1: the number is too large"},
      {"[[t\n", "line 1: expected ]] after [[t"},
      {"t = 1\n[[t]]\n", "line 2: t is already a key"},
      {"[t]\n", "line 1: [table] is not supported here; use [[name]] array tables"},
      {"a = 'single'\n", "line 1: expected a value"},
      {std::string("a = 1\x01", 6), "a control character (0x01) in the file"},
  };
  for (const auto& [text, error] : cases) EXPECT_EQ(error_of(text), error) << text;
}

}  // namespace
}  // namespace nucleus::toml
