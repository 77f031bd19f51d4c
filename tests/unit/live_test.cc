#include "cgroup/live.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "helpers.h"

namespace nucleus::cgroup {
namespace {

class LiveTest : public testing::TempDirTest {
 protected:
  void put(const std::string& rel, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(dir_ + rel).parent_path());
    std::ofstream(dir_ + rel) << content;
  }
};

TEST_F(LiveTest, ReadsV2Usage) {
  put("/nucleus/c/cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
  put("/nucleus/c/memory.current", "4096\n");
  put("/nucleus/c/memory.max", "max\n");
  put("/nucleus/c/pids.current", "3\n");
  put("/nucleus/c/io.stat", "8:0 rbytes=100 wbytes=20 rios=1\n8:16 rbytes=1 wbytes=2\n");
  put("/nucleus/c/cgroup.events", "populated 1\nfrozen 1\n");
  put("/nucleus/c/cgroup.procs", "12\n5\n");
  Layout l;
  l.mode = Mode::kV2;
  l.v2_root = dir_;
  Live live(l, "/nucleus/c");
  auto u = live.usage();
  EXPECT_EQ(u.cpu_usec, 1500u);
  EXPECT_EQ(u.memory, 4096u);
  EXPECT_EQ(u.memory_limit, 0u);  // "max": unlimited
  EXPECT_EQ(u.pids, 3u);
  EXPECT_EQ(u.io_read, 101u);
  EXPECT_EQ(u.io_write, 22u);
  EXPECT_TRUE(live.frozen());
  EXPECT_EQ(live.pids(), (std::vector<pid_t>{5, 12}));
}

TEST_F(LiveTest, ReadsV1Usage) {
  put("/cpuacct/nucleus/c/cpuacct.usage", "2000000\n");
  put("/memory/nucleus/c/memory.usage_in_bytes", "8192\n");
  put("/memory/nucleus/c/memory.limit_in_bytes", "9223372036854771712\n");
  put("/pids/nucleus/c/pids.current", "2\n");
  put("/pids/nucleus/c/cgroup.procs", "7\n");
  put("/blkio/nucleus/c/blkio.throttle.io_service_bytes",
      "8:0 Read 10\n8:0 Write 4\n8:0 Total 14\nTotal 14\n");
  put("/freezer/nucleus/c/freezer.state", "THAWED\n");
  Layout l;
  l.mode = Mode::kV1;
  for (const char* c : {"cpuacct", "memory", "pids", "blkio", "freezer"}) l.v1[c] = dir_ + "/" + c;
  Live live(l, "/nucleus/c");
  auto u = live.usage();
  EXPECT_EQ(u.cpu_usec, 2000u);
  EXPECT_EQ(u.memory, 8192u);
  EXPECT_EQ(u.memory_limit, 0u);  // the page-rounded "unlimited"
  EXPECT_EQ(u.pids, 2u);
  EXPECT_EQ(u.io_read, 10u);
  EXPECT_EQ(u.io_write, 4u);
  EXPECT_FALSE(live.frozen());
  EXPECT_EQ(live.pids(), std::vector<pid_t>{7});
}

}  // namespace
}  // namespace nucleus::cgroup
