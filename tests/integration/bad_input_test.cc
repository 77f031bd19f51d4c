// Bad input: one clear error line, exit 125, nothing left behind (the fixture checks the host).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "harness.h"

namespace nucleus::testing {
namespace {

class BadInput : public IntegrationTest {
 protected:
  // Expects exit 125 and exactly one stderr line containing `needle`.
  void refused(const std::vector<std::string>& flags, const std::string& needle,
               const RunOptions& o = {}) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--", "true"});
    RunResult r = run(args, o);
    EXPECT_EQ(r.code, 125) << ::testing::PrintToString(flags) << ": " << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
    EXPECT_EQ(r.err.rfind("nucleus: ", 0), 0u) << r.err;
  }
  TempDir tmp;
};

TEST_F(BadInput, Paths) {
  std::string file = tmp.file("file", "x");
  std::string link = tmp.path() + "/link";
  symlink(tmp.path().c_str(), link.c_str());
  refused({"--rootfs", "/nonexistent/rootfs"}, "--rootfs /nonexistent/rootfs is a missing");
  refused({"--rootfs", link}, "is a symlink, not a directory");
  refused({"--rootfs", file}, "is a regular file, not a directory");
  refused({"--rootfs", tmp.path()}, "has no directory /proc");
  refused({"--context", "/nonexistent"}, "--context /nonexistent is a missing");
  refused({"--context", link}, "is a symlink");
  refused({"-v", "/nonexistent:/data"}, "volume source /nonexistent is a missing");
  refused({"-v", link + ":/data"}, "is a symlink");
  refused({"-v", "relative:/data"}, "not an absolute path");
  refused({"-v", tmp.path() + ":/usr/lib"}, "would cover a system directory");
  refused({"-v", tmp.path() + ":/proc/x"}, "would cover a system directory");
  refused({"-v", tmp.path() + ":/"}, "would cover a system directory");
  refused({"-v", tmp.path() + ":/a/../etc"}, "contains '..'");
  refused({"-v", tmp.path() + ":/data:rx"}, "invalid volume mode");
  refused({"-v", tmp.path() + ":/d", "-v", tmp.path() + ":/d"}, "two mounts at /d");
  refused({"--env-file", "/nonexistent"}, "--env-file");
  refused({"-w", "relative"}, "working directory");
}

TEST_F(BadInput, Limits) {
  refused({"--memory", "12q"}, "--memory");
  refused({"--memory", "1k"}, "below the minimum");
  refused({"--memory", "64m", "--memory-swap", "32m"}, "smaller than --memory");
  refused({"--memory-swap", "1g"}, "needs --memory");
  refused({"--cpus", "0"}, "--cpus 0");
  refused({"--cpus", "100000"}, "--cpus 100000");
  refused({"--cpus", "abc"}, "--cpus");
  refused({"--pids", "0"}, "--pids");
  refused({"--cpu-weight", "20000"}, "--cpu-weight");
  refused({"--timeout", "-1"}, "--timeout");
  refused({"--tmpfs", "/scratch:0"}, "size must be positive");
  refused({"--io-limit", "8:0:rbps=fast"}, "--io-limit");
  refused({"--io-limit", "/dev/null:rbps=1m"}, "not a block device");
}

TEST_F(BadInput, Names) {
  refused({"--cap-add", "CAP_NOPE"}, "unknown capability 'CAP_NOPE'");
  refused({"--name", "-bad name"}, "invalid name");
  refused({"--hostname", "bad host"}, "invalid hostname");
  refused({"-u", "root"}, "invalid user");
  refused({"--context", tmp.path(), "--context-mode", "sync"}, "invalid --context-mode");
}

TEST_F(BadInput, NameCollision) {
  pid_t first = spawn({"run", "--name", "twin", "--", "sleep", "30"});
  for (int i = 0; i < 200 && access("/run/nucleus/names/twin", F_OK) != 0; i++) usleep(10000);
  usleep(100000);
  refused({"--name", "twin"}, "the name 'twin' is already in use");
  // A killed nucleus takes its sandbox with it but leaves a dead container that holds the name
  // (as docker keeps names until rm); gc removes it with its cgroup and state.
  kill(first, SIGKILL);
  int st;
  waitpid(first, &st, 0);
  refused({"--name", "twin"}, "the name 'twin' is already in use");
  EXPECT_EQ(run({"gc"}).code, 0);
  RunResult again = run({"run", "--name", "twin", "--", "true"});
  EXPECT_EQ(again.code, 0) << again.err;
}

TEST_F(BadInput, DegradedSecurityNeedsAFlag) {
  RunOptions o;
  o.env = {"NUCLEUS_TEST_PRETEND_MISSING=landlock"};
  refused({}, "Landlock is not available", o);
  o.env = {"NUCLEUS_TEST_PRETEND_MISSING=seccomp"};
  refused({}, "seccomp filtering is not available", o);
  RunResult raw;
  auto j = probe({"--allow-degraded-security"}, {}, &raw, o);
  EXPECT_EQ(raw.code, 0);
  EXPECT_EQ(j["seccomp"], "0");
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
}

}  // namespace
}  // namespace nucleus::testing
