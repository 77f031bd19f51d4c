#include "container/logfile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "helpers.h"

namespace nucleus::container {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

using LogTest = testing::TempDirTest;

TEST_F(LogTest, WritesCriLinesAndJoinsPartials) {
  LogWriter w(dir_, 0, 2);
  ASSERT_TRUE(w.open());
  w.write("stdout", "one\ntw");
  w.write("stdout", "o\n");
  w.write("stderr", "err\n");
  std::string text = slurp(dir_ + "/container.log");
  EXPECT_NE(text.find(" stdout F one\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" stdout P tw\n"), std::string::npos) << text;
  auto entries = parse_log(text);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].text, "two");
  EXPECT_FALSE(entries[1].partial);
  EXPECT_EQ(entries[2].stream, "stderr");
  EXPECT_EQ(entries[0].time.size(), std::string("2026-11-29T04:22:49.123456789Z").size());
  EXPECT_EQ(entries[0].time.back(), 'Z');
}

TEST_F(LogTest, WritesJsonFileLinesAndJoinsPartials) {
  LogWriter w(dir_, 0, 2, LogDriver::kJsonFile);
  ASSERT_TRUE(w.open());
  w.write("stdout", "one \"q\"\ntw");
  w.write("stdout", "o\n");
  w.write("stderr", "\x01\xff\n");
  std::string text = slurp(dir_ + "/container.log");
  EXPECT_NE(text.find("{\"log\":\"one \\\"q\\\"\\n\",\"stream\":\"stdout\",\"time\":\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("{\"log\":\"tw\",\"stream\":\"stdout\""), std::string::npos) << text;
  auto entries = parse_log(text);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].text, "one \"q\"");
  EXPECT_EQ(entries[1].text, "two");
  EXPECT_FALSE(entries[1].partial);
  EXPECT_EQ(entries[2].text, "\x01?");
  EXPECT_EQ(entries[2].stream, "stderr");
  EXPECT_EQ(entries[0].time.back(), 'Z');
  EXPECT_TRUE(parse_log("{\"log\":3}\n{not json\n{\"log\":\"x\",\"stream\":\"other\"}\n").empty());
}

TEST(LogDriverName, ParsesWhatItPrints) {
  for (auto d : {LogDriver::kK8sFile, LogDriver::kJsonFile, LogDriver::kJournald})
    EXPECT_EQ(*parse_log_driver(log_driver_name(d)), d);
  EXPECT_FALSE(parse_log_driver("syslog"));
  EXPECT_FALSE(parse_log_driver(""));
}

TEST_F(LogTest, RotatesAtTheCapAndKeepsMaxFiles) {
  LogWriter w(dir_, 1000, 3);
  ASSERT_TRUE(w.open());
  for (int i = 0; i < 200; i++) w.write("stdout", "line " + std::to_string(i) + "\n");
  auto files = log_files(dir_);
  ASSERT_EQ(files.size(), 3u);  // container.log.2, .1, container.log: oldest first
  EXPECT_EQ(files.back(), dir_ + "/container.log");
  EXPECT_EQ(files.front(), dir_ + "/container.log.2");
  for (const auto& f : files) EXPECT_LE(std::filesystem::file_size(f), 1000u) << f;
  auto last = parse_log(slurp(files.back()));
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(last.back().text, "line 199");
  // One big chunk is split at lines, never written over the cap in one piece.
  std::string big;
  for (int i = 0; i < 100; i++) big += "chunk line " + std::to_string(i) + "\n";
  w.write("stdout", big);
  for (const auto& f : log_files(dir_)) EXPECT_LE(std::filesystem::file_size(f), 1000u) << f;
}

// What a checkpoint carries of a log, and how a restored container's log begins with it.
TEST_F(LogTest, TheTailStartsAtALineAndContinuesTheLog) {
  EXPECT_EQ(*log_tail(dir_, 100), "");  // no log yet
  LogWriter w(dir_, 0, 1);
  ASSERT_TRUE(w.open());
  for (int i = 0; i < 50; i++) w.write("stdout", "line " + std::to_string(i) + "\n");
  auto tail = log_tail(dir_, 200);
  ASSERT_TRUE(tail) << tail.error().what();
  EXPECT_LE(tail->size(), 200u);
  auto lines = parse_log(*tail);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().text, "line 49");
  EXPECT_EQ(parse_log(*tail).size(),
            static_cast<size_t>(std::count(tail->begin(), tail->end(), '\n')))
      << "a cut line: " << *tail;

  std::string next = dir_ + "/restored";
  std::filesystem::create_directory(next);
  ASSERT_TRUE(continue_log(dir_, next));
  LogWriter after(next, 0, 1);
  ASSERT_TRUE(after.open());
  after.write("stdout", "line 50\n");
  auto all = parse_log(slurp(next + "/container.log"));
  ASSERT_EQ(all.size(), 51u);
  EXPECT_EQ(all.front().text, "line 0");
  EXPECT_EQ(all.back().text, "line 50");
}

TEST(LogParse, SkipsMalformedLines) {
  auto e = parse_log("garbage\n2026-01-01T00:00:00Z stdin F x\n2026-01-01T00:00:00Z stdout F ok\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].text, "ok");
  EXPECT_EQ(parse_log("2026-01-01T00:00:00Z stdout F \n")[0].text, "");
}

}  // namespace
}  // namespace nucleus::container
