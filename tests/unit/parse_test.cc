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

TEST(Parse, Durations) {
  EXPECT_EQ(*parse::duration_ms("30"), 30000u);
  EXPECT_EQ(*parse::duration_ms("0.5"), 500u);
  EXPECT_EQ(*parse::duration_ms("500ms"), 500u);
  EXPECT_EQ(*parse::duration_ms("1.5s"), 1500u);
  EXPECT_EQ(*parse::duration_ms("2m"), 120000u);
  EXPECT_EQ(*parse::duration_ms("1h"), 3600000u);
  EXPECT_EQ(*parse::duration_ms("1m30s"), 90000u);
  for (const char* bad : {"", "s", "10x", "1m30", "-1s", "1.2.3s", "5 s", "ms500", "99999999h"})
    EXPECT_FALSE(parse::duration_ms(bad)) << bad;
}
}  // namespace
}  // namespace nucleus
