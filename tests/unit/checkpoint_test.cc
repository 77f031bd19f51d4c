// Checkpoint metadata (limits read back from cgroup files, metadata.json written and read without
// following symlinks) and the HMAC over a checkpoint directory.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checkpoint/integrity.h"
#include "checkpoint/limits.h"
#include "checkpoint/metadata.h"
#include "util/fs.h"

using namespace nucleus;
using namespace nucleus::checkpoint;

namespace {

struct Dir {
  std::string path;
  Dir() {
    char t[] = "/tmp/nucleus-ckpt-XXXXXX";
    path = ::mkdtemp(t);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  void put(const std::string& name, const std::string& content) const {
    std::ofstream(path + "/" + name) << content;
  }
};

TEST(CheckpointLimits, CpuMaxIsExactlyQuotaAndPeriod) {
  Limits l;
  ASSERT_TRUE(parse_cpu_max("50000 100000\n", l));
  EXPECT_EQ(l.cpu_quota, 50000u);
  EXPECT_EQ(l.cpu_period, 100000u);
  EXPECT_EQ(l.cpu_millicores(), 500u);
  ASSERT_TRUE(parse_cpu_max("max 100000", l));
  EXPECT_FALSE(l.cpu_quota);
  EXPECT_FALSE(l.cpu_millicores());  // none without a quota
  EXPECT_FALSE(metadata_from_json(
      R"({"id":"x","checkpointed_at":1,"detached":{"log_driver":"k8s-file","log_max_size":1,"log_max_files":0}})"));
}

TEST(CheckpointLimits, MillicoresSaturate) {
  Limits l;
  l.cpu_quota = UINT64_MAX / 2;
  l.cpu_period = 1000;
  EXPECT_EQ(l.cpu_millicores(), UINT64_MAX);
  l.cpu_quota = 150000;
  l.cpu_period = 100000;
  EXPECT_EQ(l.cpu_millicores(), 1500u);
}

TEST(CheckpointLimits, ReadsV2Files) {
  Dir d;
  d.put("memory.max", "268435456\n");
  d.put("memory.high", "max\n");
  d.put("memory.swap.max", "0\n");
  d.put("cpu.max", "25000 50000\n");
  d.put("cpu.weight", "200\n");
  d.put("pids.max", "64\n");
  d.put("io.max", "8:0 rbps=1048576 wbps=max riops=max wiops=100\n");
  auto l = read_v2(d.path);
  ASSERT_TRUE(l) << l.error().what();
  EXPECT_EQ(l->memory_max, 268435456u);
  EXPECT_FALSE(l->memory_high);
  EXPECT_EQ(l->swap_max, 0u);
  EXPECT_EQ(l->cpu_millicores(), 500u);
  EXPECT_EQ(l->cpu_weight, 200u);
  EXPECT_EQ(l->pids_max, 64u);
  ASSERT_EQ(l->io.size(), 1u);
  EXPECT_EQ(l->io[0].device, "8:0");
  EXPECT_EQ(l->io[0].rbps, 1048576u);
  EXPECT_FALSE(l->io[0].wbps);
  EXPECT_EQ(l->io[0].wiops, 100u);
  std::filesystem::remove(d.path + "/io.max");  // missing: no I/O limits
  EXPECT_TRUE(read_v2(d.path)->io.empty());
  d.put("pids.max", "lots\n");  // unparsable: an error naming the file
  auto bad = read_v2(d.path);
  ASSERT_FALSE(bad);
  EXPECT_NE(std::string(bad.error().what()).find("pids.max"), std::string::npos);
  d.put("pids.max", "64\n");
  d.put("cpu.max", "100000\n");
  bad = read_v2(d.path);
  ASSERT_FALSE(bad);
  EXPECT_NE(std::string(bad.error().what()).find("cpu.max"), std::string::npos);
  d.put("cpu.max", "max 100000\n");
  d.put("io.max", "8:0 speed=9\n");
  EXPECT_FALSE(read_v2(d.path));
}

TEST(CheckpointLimits, ReadsV1Equivalents) {
  Dir d;
  cgroup::Layout layout;
  layout.mode = cgroup::Mode::kV1;
  for (const char* c : {"memory", "cpu", "pids", "blkio"}) {
    layout.v1[c] = d.path + "/" + c;
    std::filesystem::create_directories(d.path + "/" + c + "/nucleus/x");
  }
  auto put = [&](const std::string& c, const std::string& f, const std::string& v) {
    std::ofstream(d.path + "/" + c + "/nucleus/x/" + f) << v;
  };
  put("memory", "memory.limit_in_bytes", "134217728\n");
  put("memory", "memory.soft_limit_in_bytes", "9223372036854771712\n");  // unlimited
  put("memory", "memory.memsw.limit_in_bytes", "201326592\n");
  put("cpu", "cpu.cfs_quota_us", "-1\n");
  put("cpu", "cpu.cfs_period_us", "100000\n");
  put("cpu", "cpu.shares", "1024\n");
  put("pids", "pids.max", "max\n");
  put("blkio", "blkio.throttle.read_bps_device", "8:0 1000\n");
  put("blkio", "blkio.throttle.write_iops_device", "8:0 50\n");
  auto l = read_v1(layout, "/nucleus/x");
  ASSERT_TRUE(l) << l.error().what();
  EXPECT_EQ(l->memory_max, 134217728u);
  EXPECT_FALSE(l->memory_high);
  EXPECT_EQ(l->swap_max, 67108864u);
  EXPECT_FALSE(l->cpu_quota);
  EXPECT_FALSE(l->cpu_weight);  // the default share
  EXPECT_FALSE(l->pids_max);
  ASSERT_EQ(l->io.size(), 1u);
  EXPECT_EQ(l->io[0].rbps, 1000u);
  EXPECT_EQ(l->io[0].wiops, 50u);
  put("cpu", "cpu.cfs_period_us", "0\n");
  EXPECT_FALSE(read_v1(layout, "/nucleus/x"));
}

Metadata sample() {
  Metadata m;
  m.id = std::string(64, 'a');
  m.name = "web";
  m.pid = 4242;
  m.command = {"python3", "-m", "http.server"};
  m.time = 1795963480;
  m.version = "0.1.0";
  m.gvisor = true;
  m.cgroup_path = "/nucleus/" + m.id;
  Limits l;
  l.memory_max = 64u << 20;
  l.cpu_quota = 50000;
  l.pids_max = 100;
  l.io.push_back({"8:0", 1000, std::nullopt, std::nullopt, 7});
  m.limits = l;
  m.detached = Detached{"json-file", 1 << 20, 3, "on-failure:5", true};
  return m;
}

TEST(CheckpointMetadata, RoundTrips) {
  Dir d;
  ASSERT_TRUE(write_metadata(d.path, sample()));
  struct stat st {};
  ASSERT_EQ(::stat((d.path + "/metadata.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(d.path + "/.metadata.json.tmp"));
  auto m = load_metadata(d.path);
  ASSERT_TRUE(m) << m.error().what();
  EXPECT_EQ(m->name, "web");
  EXPECT_EQ(m->pid, 4242);
  EXPECT_EQ(m->command, sample().command);
  EXPECT_TRUE(m->gvisor);
  EXPECT_EQ(m->limits, sample().limits);
  EXPECT_EQ(m->limits->cpu_millicores(), 500u);
  ASSERT_TRUE(m->detached);
  EXPECT_EQ(m->detached->log_driver, "json-file");
  EXPECT_EQ(m->detached->log_max_size, 1u << 20);
  EXPECT_EQ(m->detached->log_max_files, 3);
  EXPECT_EQ(m->detached->restart, "on-failure:5");
  EXPECT_TRUE(m->detached->auto_remove);
}

TEST(CheckpointMetadata, StaleTempRemovedSymlinkRefused) {
  Dir d;
  d.put(".metadata.json.tmp", "stale");
  ASSERT_TRUE(write_metadata(d.path, sample()));
  EXPECT_TRUE(load_metadata(d.path));
  d.put("victim", "untouched");
  std::filesystem::create_symlink(d.path + "/victim", d.path + "/.metadata.json.tmp");
  auto r = write_metadata(d.path, sample());
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.error().what()).find("symlink"), std::string::npos);
  EXPECT_EQ(nucleus::fs::read_file(d.path + "/victim").value_or(""), "untouched");
  // Loading does not follow a symlink either.
  Dir other;
  ASSERT_TRUE(write_metadata(other.path, sample()));
  Dir linked;
  std::filesystem::create_symlink(other.path + "/metadata.json", linked.path + "/metadata.json");
  EXPECT_FALSE(load_metadata(linked.path));
}

TEST(CheckpointMetadata, ValidatesAndAcceptsOlderFiles) {
  auto zero = metadata_from_json(
      R"({"id":"x","checkpointed_at":1,"limits":{"cpu_period":0,"cpu_quota":"max"}})");
  ASSERT_FALSE(zero);
  EXPECT_NE(std::string(zero.error().what()).find("Invalid checkpoint resource limits"),
            std::string::npos);
  auto old = metadata_from_json(R"({"id":"x","checkpointed_at":1,"pid":7,"command":["sh"]})");
  ASSERT_TRUE(old) << old.error().what();
  EXPECT_TRUE(old->cgroup_path.empty());
  EXPECT_FALSE(old->limits);
  EXPECT_FALSE(old->detached);
  // (An unknown restart policy is refused by the restore's parse_restart: state_test.cc.)
  EXPECT_FALSE(metadata_from_json(
      R"({"id":"x","checkpointed_at":1,"detached":{"log_driver":"k8s-file","log_max_size":1,"log_max_files":0}})"));
  EXPECT_FALSE(metadata_from_json("{"));
  EXPECT_FALSE(metadata_from_json(R"({"id":"x"})"));  // no time
}

TEST(CheckpointIntegrity, SignedDirectoriesVerifyChangedOnesDoNot) {
  Dir state, ck;
  ck.put("checkpoint.img", std::string(100000, 'i'));
  ck.put("metadata.json", "{}");
  ASSERT_TRUE(sign(ck.path, state.path));
  struct stat st {};
  ASSERT_EQ(::stat((state.path + "/checkpoint.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(verify(ck.path, state.path));
  ck.put("metadata.json", "{ }");  // changed
  EXPECT_FALSE(verify(ck.path, state.path));
  ck.put("metadata.json", "{}");
  EXPECT_TRUE(verify(ck.path, state.path));
  ck.put("extra", "");  // added
  EXPECT_FALSE(verify(ck.path, state.path));
  std::filesystem::remove(ck.path + "/extra");
  std::filesystem::create_symlink("/etc/passwd", ck.path + "/link");  // a symlink
  EXPECT_FALSE(verify(ck.path, state.path));
  std::filesystem::remove(ck.path + "/link");
  Dir other_state;  // another key
  EXPECT_FALSE(verify(ck.path, other_state.path));
  std::filesystem::remove(ck.path + "/checkpoint.hmac");  // unsigned
  EXPECT_FALSE(verify(ck.path, state.path));
}

// Big images are hashed in 4 MiB chunks by several threads: a change in any chunk, a chunk moved
// to another place, a file cut short or grown is seen.
TEST(CheckpointIntegrity, EveryChunkOfABigImageCounts) {
  Dir state, ck;
  std::string pages;
  for (int i = 0; i < (9 << 20) / 8; i++) pages += fmt::format("{:08x}", i);
  ck.put("pages-1.img", pages);
  ck.put("empty.img", "");
  ASSERT_TRUE(sign(ck.path, state.path));
  EXPECT_TRUE(verify(ck.path, state.path));
  auto expect_refused = [&](std::string changed, const char* what) {
    ck.put("pages-1.img", changed);
    EXPECT_FALSE(verify(ck.path, state.path)) << what;
    ck.put("pages-1.img", pages);
    EXPECT_TRUE(verify(ck.path, state.path)) << what;
  };
  for (size_t at : {size_t{0}, size_t{(4 << 20) - 1}, size_t{4 << 20}, pages.size() - 1}) {
    std::string changed = pages;
    changed[at] ^= 1;
    expect_refused(changed, "one byte");
  }
  std::string swapped =
      pages.substr(4 << 20, 4 << 20) + pages.substr(0, 4 << 20) + pages.substr(8 << 20);
  expect_refused(swapped, "chunks swapped");
  expect_refused(pages.substr(0, pages.size() - 1), "cut short");
  expect_refused(pages + "x", "grown");
  ck.put("empty.img", "x");
  EXPECT_FALSE(verify(ck.path, state.path));
}

}  // namespace
