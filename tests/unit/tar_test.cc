// fs::tar: archives built here block by block, including hostile ones a sandbox could send.
#include "fs/tar.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "helpers.h"

namespace nucleus::fs::tar {
namespace {

// One ustar header (GNU magic unless posix) followed by data padded to the block size.
std::string entry(const std::string& name, char type, const std::string& data = "",
                  const std::string& link = "", unsigned mode = 0644) {
  std::string h(kBlock, '\0');
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(h.data() + 100, 8, "%07o", mode);
  std::snprintf(h.data() + 108, 8, "%07o", 0);
  std::snprintf(h.data() + 116, 8, "%07o", 0);
  std::snprintf(h.data() + 124, 12, "%011zo", data.size());
  std::snprintf(h.data() + 136, 12, "%011o", 1700000000);
  h[156] = type;
  std::memcpy(h.data() + 157, link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(h.data() + 257, "ustar  ", 8);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  std::string padded = data;
  padded.resize((data.size() + kBlock - 1) / kBlock * kBlock, '\0');
  return h + padded;
}

std::string end_blocks() {
  return std::string(2 * kBlock, '\0');
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class Tar : public testing::TempDirTest {
 protected:
  // Unpacks `archive` into dir_/dest.
  Result<> unpack(const std::string& archive) {
    int mem = memfd_create("tar", MFD_CLOEXEC);
    EXPECT_EQ(write(mem, archive.data(), archive.size()), static_cast<ssize_t>(archive.size()));
    lseek(mem, 0, SEEK_SET);
    mkdir((dir_ + "/dest").c_str(), 0755);
    int dest = open((dir_ + "/dest").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    auto r = extract(mem, dest, "src");
    close(dest);
    close(mem);
    return r;
  }
};

TEST_F(Tar, FilesDirectoriesAndLinks) {
  std::string long_name(150, 'n');
  auto r = unpack(entry("./", '5', "", "", 0755) + entry("./d/", '5', "", "", 0750) +
                  entry("./d/f", '0', "hello\n", "", 04755) + entry("./l", '2', "", "/etc") +
                  entry("././@LongLink", 'L', "d/" + long_name + '\0') + entry("x", '0', "long") +
                  entry("./fifo", '6') + end_blocks());
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(slurp(dir_ + "/dest/d/f"), "hello\n");
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/dest/d/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // setuid dropped
  EXPECT_EQ(st.st_mtime, 1700000000);
  ASSERT_EQ(stat((dir_ + "/dest/d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  EXPECT_EQ(std::filesystem::read_symlink(dir_ + "/dest/l"), "/etc");
  EXPECT_EQ(slurp(dir_ + "/dest/d/" + long_name), "long");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/dest/fifo"));  // skipped
}

TEST_F(Tar, PaxPathsAndTheEndOfTheStream) {
  std::string pax = "19 path=p/from-pax\n";
  auto r = unpack(entry("PaxHeader", 'x', pax) + entry("ignored", '0', "pax"));  // no end blocks
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(slurp(dir_ + "/dest/p/from-pax"), "pax");
  EXPECT_FALSE(unpack(entry("PaxHeader", 'x', "99 path=x\n") + end_blocks()));
}

// Nothing lands outside the destination, whatever the archive says.
TEST_F(Tar, HostileArchivesAreRefused) {
  std::string outside = dir_ + "/outside";
  mkdir(outside.c_str(), 0755);
  // A symlink to outside, then a file through it.
  EXPECT_FALSE(
      unpack(entry("esc", '2', "", outside) + entry("esc/pwned", '0', "x") + end_blocks()));
  // A file over a symlink it made.
  EXPECT_FALSE(
      unpack(entry("esc2", '2', "", outside + "/pwned2") + entry("esc2", '0', "x") + end_blocks()));
  EXPECT_FALSE(unpack(entry("../pwned3", '0', "x") + end_blocks()));
  EXPECT_FALSE(unpack(entry("a/../../pwned4", '0', "x") + end_blocks()));
  EXPECT_FALSE(unpack(entry("/tmp/pwned5", '0', "x") + end_blocks()));
  EXPECT_FALSE(unpack(entry("PaxHeader", 'x', "21 path=../../pwned6\n") + entry("y", '0', "x")));
  EXPECT_TRUE(std::filesystem::is_empty(outside));
  // Truncated data, a bad checksum, a header too large.
  EXPECT_FALSE(unpack(entry("t", '0', std::string(1000, 'x')).substr(0, 1024)));
  std::string bad = entry("c", '0', "x");
  bad[0] = 'd';
  EXPECT_FALSE(unpack(bad));
  std::string huge = entry("L", 'L');
  std::snprintf(huge.data() + 124, 12, "%011o", 077777777);
  EXPECT_FALSE(parse_header(std::span<const uint8_t, kBlock>(
      reinterpret_cast<const uint8_t*>(huge.data()), kBlock)));  // checksum now off
}

TEST(TarPaths, Clean) {
  EXPECT_EQ(*clean_path("./a//b/./c/"), "a/b/c");
  EXPECT_EQ(*clean_path("./"), "");
  EXPECT_EQ(*clean_path("."), "");
  for (const char* bad : {"/a", "..", "a/../b", "a/..", "../"})
    EXPECT_FALSE(clean_path(bad)) << bad;
  EXPECT_FALSE(clean_path(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace nucleus::fs::tar
