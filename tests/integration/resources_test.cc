// Limits through cgroups (v1, v2 or hybrid, whichever the host has).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Resources : public IntegrationTest {};

TEST_F(Resources, MemoryHogIsOomKilled) {
  RunResult raw = run({"run", "--memory", "64m", "--context", probe_dir(), "--context-mode", "bind",
                       "--", "/context/probe", "alloc=256"});
  EXPECT_EQ(raw.code, 137) << raw.err;
  EXPECT_EQ(raw.out, "") << "the probe finished its allocation";
  // The same allocation fits without the limit.
  RunResult ok;
  auto j = probe({}, {"alloc=256"}, &ok);
  EXPECT_EQ(ok.code, 0);
  EXPECT_EQ(j["checks"]["alloc=256"], 0);
}

TEST_F(Resources, ForkBombIsContained) {
  auto j = probe({"--pids", "20"}, {"forks=200"});
  int forks = j["checks"]["forks=200"];
  EXPECT_GT(forks, 5);
  EXPECT_LT(forks, 20);
}

TEST_F(Resources, CpuAndIoLimitsAreAccepted) {
  RunResult r = run({"run", "--cpus", "0.5", "--cpu-weight", "50", "--", "true"});
  EXPECT_EQ(r.code, 0) << r.err;
}

}  // namespace
}  // namespace nucleus::testing

namespace nucleus::testing {
namespace {

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::string s((std::istreambuf_iterator<char>(f)), {});
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// MAJ:MIN of some block device of this host, or "" (a VM may have none).
std::string some_block_device() {
  std::error_code ec;
  for (auto& b : std::filesystem::directory_iterator("/sys/block", ec)) {
    std::string dev = slurp(b.path().string() + "/dev");
    if (!dev.empty()) return dev;
  }
  return "";
}

// Reads the container's cgroup files from the host while it runs.
TEST_F(Resources, LimitsAreWrittenToTheCgroup) {
  std::string dev = some_block_device();
  std::vector<std::string> args = {"run",          "--memory", "64m",    "--cpus", "0.5",
                                   "--cpu-weight", "200",      "--pids", "33"};
  if (!dev.empty()) args.insert(args.end(), {"--io-limit", dev + ":wbps=1m,riops=500"});
  args.insert(args.end(), {"--context", probe_dir(), "--context-mode", "bind", "--",
                           "/context/probe", "wait-signal"});
  pid_t pid = spawn(args);
  std::string dir;
  for (int i = 0; i < 300 && dir.empty(); i++) {
    for (auto c : HostState::capture().cgroups)
      if (c.size() > 64 && c.find("/nucleus/") != std::string::npos) dir = c;
    usleep(10000);
  }
  ASSERT_FALSE(dir.empty()) << "no container cgroup appeared";
  std::string id = dir.substr(dir.rfind('/') + 1);
  // The directory exists before the init has joined it.
  std::string procs = cgroup_v2() ? "/sys/fs/cgroup/nucleus/" + id + "/cgroup.procs"
                                  : "/sys/fs/cgroup/pids/nucleus/" + id + "/cgroup.procs";
  for (int i = 0; i < 300 && slurp(procs).empty(); i++) usleep(10000);
  if (cgroup_v2()) {
    std::string base = "/sys/fs/cgroup/nucleus/" + id;
    EXPECT_EQ(slurp(base + "/memory.max"), "67108864");
    EXPECT_EQ(slurp(base + "/memory.swap.max"), "0");
    EXPECT_EQ(slurp(base + "/cpu.max"), "50000 100000");
    EXPECT_EQ(slurp(base + "/pids.max"), "33");
    EXPECT_EQ(slurp(base + "/cpu.weight"), "200");
    if (!dev.empty()) {
      EXPECT_NE(slurp(base + "/io.max").find(dev + " rbps=max wbps=1048576 riops=500"),
                std::string::npos);
    }
    EXPECT_FALSE(slurp(base + "/cgroup.procs").empty());
  } else {
    EXPECT_EQ(slurp("/sys/fs/cgroup/memory/nucleus/" + id + "/memory.limit_in_bytes"), "67108864");
    EXPECT_EQ(slurp("/sys/fs/cgroup/cpu/nucleus/" + id + "/cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(slurp("/sys/fs/cgroup/pids/nucleus/" + id + "/pids.max"), "33");
    EXPECT_EQ(slurp("/sys/fs/cgroup/cpu/nucleus/" + id + "/cpu.shares"), "5219");
    if (!dev.empty()) {
      std::string b = "/sys/fs/cgroup/blkio/nucleus/" + id;
      EXPECT_EQ(slurp(b + "/blkio.throttle.write_bps_device"), dev + " 1048576");
      EXPECT_EQ(slurp(b + "/blkio.throttle.read_iops_device"), dev + " 500");
    }
    EXPECT_FALSE(slurp("/sys/fs/cgroup/pids/nucleus/" + id + "/cgroup.procs").empty());
  }
  // SIGUSR1 reaches the probe once its handler is in place; it exits 100+10, nucleus cleans up.
  int st = 0;
  pid_t done = 0;
  for (int i = 0; i < 100 && done == 0; i++) {
    kill(pid, SIGUSR1);
    usleep(50000);
    done = waitpid(pid, &st, WNOHANG);
  }
  ASSERT_EQ(done, pid);
  EXPECT_EQ(WEXITSTATUS(st), 110);
}

}  // namespace
}  // namespace nucleus::testing
