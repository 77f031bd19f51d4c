// cgroup v1 and v2 file writing against a fake cgroupfs (a plain directory).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cgroup/manager.h"
#include "cgroup/v1/manager.h"

namespace nucleus::cgroup {
namespace {

namespace fsys = std::filesystem;

std::string read(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class FakeCgroupfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nucleus-cgtest-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { fsys::remove_all(root_); }

  spec::Resources all_limits() {
    spec::Resources r;
    r.memory = 64ull << 20;
    r.cpu_quota = 50000;
    r.cpu_weight = 100;
    r.pids = 42;
    spec::IoLimit io;
    io.major = 8;
    io.minor = 0;
    io.rbps = 1048576;
    io.wiops = 10;
    r.io.push_back(io);
    return r;
  }
  std::string root_;
};

TEST_F(FakeCgroupfs, V2WritesEveryLimitAndEnablesControllers) {
  Layout l{Mode::kV2, root_, {}, true};
  auto m = make(l, "/nucleus/abc");
  ASSERT_TRUE(m);
  auto r = all_limits();
  ASSERT_TRUE((*m)->create(r)) << "create";
  std::string dir = root_ + "/nucleus/abc/";
  EXPECT_EQ(read(dir + "memory.max"), "67108864\n");
  EXPECT_EQ(read(dir + "memory.swap.max"), "0\n");  // no swap unless asked
  EXPECT_EQ(read(dir + "cpu.max"), "50000 100000\n");
  EXPECT_EQ(read(dir + "cpu.weight"), "100\n");
  EXPECT_EQ(read(dir + "pids.max"), "42\n");
  EXPECT_EQ(read(dir + "io.max"), "8:0 rbps=1048576 wiops=10\n");
  EXPECT_EQ(read(root_ + "/cgroup.subtree_control"), "+memory\n+cpu\n+pids\n+io\n");
  EXPECT_EQ(read(root_ + "/nucleus/cgroup.subtree_control"), "+memory\n+cpu\n+pids\n+io\n");
  ASSERT_TRUE((*m)->add(1234));
  EXPECT_EQ(read(dir + "cgroup.procs"), "1234\n");
  EXPECT_EQ((*m)->paths(), std::vector<std::string>{root_ + "/nucleus/abc"});
  // remove() refuses nothing here (the fake holds files); the real one is an rmdir.
}

TEST_F(FakeCgroupfs, V2SwapSemantics) {
  Layout l{Mode::kV2, root_, {}, true};
  spec::Resources r;
  r.memory = 100;
  r.memory_swap = 300;
  auto m = make(l, "/n/a");
  ASSERT_TRUE((*m)->create(r));
  EXPECT_EQ(read(root_ + "/n/a/memory.swap.max"), "200\n");
  r.memory_swap = -1;
  auto m2 = make(l, "/n/b");
  ASSERT_TRUE((*m2)->create(r));
  EXPECT_EQ(read(root_ + "/n/b/memory.swap.max"), "max\n");
}

TEST_F(FakeCgroupfs, V1CreatesOnlyTheNeededHierarchies) {
  std::map<std::string, std::string> h;
  for (const char* c : {"memory", "cpu", "pids", "blkio", "freezer"}) {
    h[c] = root_ + "/" + c;
    fsys::create_directories(h[c]);
  }
  Layout l{Mode::kHybrid, root_ + "/unified", h, true};
  spec::Resources only_pids;
  only_pids.pids = 7;
  auto m = make(l, "/nucleus/x");
  ASSERT_TRUE((*m)->create(only_pids));
  EXPECT_EQ(read(root_ + "/pids/nucleus/x/pids.max"), "7\n");
  EXPECT_FALSE(fsys::exists(root_ + "/memory/nucleus/x"));
  EXPECT_FALSE(fsys::exists(root_ + "/cpu/nucleus/x"));

  auto all = make(l, "/nucleus/y");
  ASSERT_TRUE((*all)->create(all_limits()));
  std::string mem = root_ + "/memory/nucleus/y/";
  EXPECT_EQ(read(mem + "memory.limit_in_bytes"), "67108864\n");
  EXPECT_EQ(read(mem + "memory.memsw.limit_in_bytes"), "67108864\n");
  EXPECT_EQ(read(root_ + "/cpu/nucleus/y/cpu.cfs_quota_us"), "50000\n");
  EXPECT_EQ(read(root_ + "/cpu/nucleus/y/cpu.cfs_period_us"), "100000\n");
  EXPECT_EQ(read(root_ + "/cpu/nucleus/y/cpu.shares"), "2597\n");
  EXPECT_EQ(read(root_ + "/blkio/nucleus/y/blkio.throttle.read_bps_device"), "8:0 1048576\n");
  EXPECT_EQ(read(root_ + "/blkio/nucleus/y/blkio.throttle.write_iops_device"), "8:0 10\n");
  ASSERT_TRUE((*all)->add(99));
  EXPECT_EQ(read(root_ + "/pids/nucleus/y/cgroup.procs"), "99\n");
  EXPECT_EQ((*all)->paths().size(), 4u);
}

TEST_F(FakeCgroupfs, V1MissingControllerIsAClearError) {
  Layout l{Mode::kV1, "", {{"pids", root_}}, true};
  spec::Resources r;
  r.memory = 1 << 30;
  auto m = make(l, "/nucleus/z");
  auto res = (*m)->create(r);
  ASSERT_FALSE(res);
  EXPECT_NE(res.error().what().find("memory controller is not available"), std::string::npos);
}

TEST_F(FakeCgroupfs, ExistingCgroupIsACollision) {
  fsys::create_directories(root_ + "/nucleus/dup");
  Layout l{Mode::kV2, root_, {}, true};
  spec::Resources r;
  r.pids = 1;
  auto res = (*make(l, "/nucleus/dup"))->create(r);
  ASSERT_FALSE(res);
  EXPECT_NE(res.error().what().find("already exists"), std::string::npos);
}

TEST(CgroupV1, WeightToShares) {
  EXPECT_EQ(v1::Manager::weight_to_shares(1), 2u);
  EXPECT_EQ(v1::Manager::weight_to_shares(10000), 262144u);
  EXPECT_EQ(v1::Manager::weight_to_shares(100), 2597u);
}

TEST(CgroupLayout, DetectsThisHost) {
  Layout l = detect();
  EXPECT_NE(l.mode, Mode::kNone);
}

}  // namespace
}  // namespace nucleus::cgroup
