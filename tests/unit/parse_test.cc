#include "util/parse.h"

#include <gtest/gtest.h>

namespace nucleus {
namespace {

TEST(Parse, Sizes) {
  EXPECT_EQ(*parse::size("512"), 512u);
  EXPECT_EQ(*parse::size("64m"), 64ull << 20);
  EXPECT_EQ(*parse::size("1.5g"), 3ull << 29);
  EXPECT_EQ(*parse::size("2K"), 2048u);
  EXPECT_FALSE(parse::size(""));
  EXPECT_FALSE(parse::size("abc"));
  EXPECT_FALSE(parse::size("-1m"));
  EXPECT_FALSE(parse::size("99999999999t"));
}

TEST(Parse, Millis) {
  EXPECT_EQ(*parse::millis("1.5"), 1500u);
  EXPECT_EQ(*parse::millis("0.01"), 10u);
  EXPECT_EQ(*parse::millis("2"), 2000u);
  EXPECT_FALSE(parse::millis("1.2345"));
  EXPECT_FALSE(parse::millis("x"));
}
}  // namespace
}  // namespace nucleus
