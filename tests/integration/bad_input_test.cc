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
  TempDir tmp;
};

TEST_F(BadInput, Paths) {
  std::string file = tmp.file("file", "x");
  std::string link = tmp.path() + "/link";
  symlink(tmp.path().c_str(), link.c_str());
  expect_run_refused({"--rootfs", "/nonexistent/rootfs"},
                     "--rootfs /nonexistent/rootfs is a missing");
  expect_run_refused({"--rootfs", link}, "is a symlink, not a directory");
  expect_run_refused({"--rootfs", file}, "is a regular file, not a directory");
  expect_run_refused({"--rootfs", tmp.path()}, "has no directory /proc");
  expect_run_refused({"--context", "/nonexistent"}, "--context /nonexistent is a missing");
  expect_run_refused({"--context", link}, "is a symlink");
  expect_run_refused({"-v", "/nonexistent:/data"}, "volume source /nonexistent is a missing");
  expect_run_refused({"-v", link + ":/data"}, "is a symlink");
  expect_run_refused({"-v", "relative:/data"}, "not an absolute path");
  expect_run_refused({"-v", tmp.path() + ":/usr/lib"}, "would cover a system directory");
  expect_run_refused({"-v", tmp.path() + ":/proc/x"}, "would cover a system directory");
  expect_run_refused({"-v", tmp.path() + ":/"}, "would cover a system directory");
  expect_run_refused({"-v", tmp.path() + ":/a/../etc"}, "contains '..'");
  expect_run_refused({"-v", tmp.path() + ":/data:rx"}, "invalid volume mode");
  expect_run_refused({"-v", tmp.path() + ":/d", "-v", tmp.path() + ":/d"}, "two mounts at /d");
  expect_run_refused({"--env-file", "/nonexistent"}, "--env-file");
  expect_run_refused({"-w", "relative"}, "working directory");
}

TEST_F(BadInput, Limits) {
  expect_run_refused({"--memory", "12q"}, "--memory");
  expect_run_refused({"--memory", "1k"}, "below the minimum");
  expect_run_refused({"--memory", "64m", "--memory-swap", "32m"}, "smaller than --memory");
  expect_run_refused({"--memory-swap", "1g"}, "needs --memory");
  expect_run_refused({"--cpus", "0"}, "--cpus 0");
  expect_run_refused({"--cpus", "100000"}, "--cpus 100000");
  expect_run_refused({"--cpus", "abc"}, "--cpus");
  expect_run_refused({"--pids", "0"}, "--pids");
  expect_run_refused({"--cpu-weight", "20000"}, "--cpu-weight");
  expect_run_refused({"--timeout", "-1"}, "--timeout");
  expect_run_refused({"--tmpfs", "/scratch:0"}, "size must be positive");
  expect_run_refused({"--io-limit", "8:0:rbps=fast"}, "--io-limit");
  expect_run_refused({"--io-limit", "/dev/null:rbps=1m"}, "not a block device");
}

TEST_F(BadInput, Names) {
  expect_run_refused({"--cap-add", "CAP_NOPE"}, "unknown capability 'CAP_NOPE'");
  expect_run_refused({"--name", "-bad name"}, "invalid name");
  expect_run_refused({"--hostname", "bad host"}, "invalid hostname");
  expect_run_refused({"-u", "root"}, "invalid user");
  expect_run_refused({"--context", tmp.path(), "--context-mode", "sync"}, "invalid --context-mode");
}

TEST_F(BadInput, NameCollision) {
  pid_t first = spawn({"run", "--name", "twin", "--", "sleep", "30"});
  for (int i = 0; i < 200 && access("/run/nucleus/names/twin", F_OK) != 0; i++) usleep(10000);
  usleep(100000);
  expect_run_refused({"--name", "twin"}, "the name 'twin' is already in use");
  // A killed nucleus takes its sandbox with it but leaves a dead container that holds the name
  // (as docker keeps names until rm); gc removes it with its cgroup and state.
  kill(first, SIGKILL);
  int st;
  waitpid(first, &st, 0);
  expect_run_refused({"--name", "twin"}, "the name 'twin' is already in use");
  EXPECT_EQ(run({"gc"}).code, 0);
  RunResult again = run({"run", "--name", "twin", "--", "true"});
  EXPECT_EQ(again.code, 0) << again.err;
}

TEST_F(BadInput, DegradedSecurityNeedsAFlag) {
  RunOptions o;
  o.env = {"NUCLEUS_TEST_PRETEND_MISSING=landlock"};
  expect_run_refused({}, "Landlock is not available", o);
  o.env = {"NUCLEUS_TEST_PRETEND_MISSING=seccomp"};
  expect_run_refused({}, "seccomp filtering is not available", o);
  RunResult raw;
  auto j = probe({"--allow-degraded-security"}, {}, &raw, o);
  EXPECT_EQ(raw.code, 0);
  EXPECT_EQ(j["seccomp"], "0");
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
}

}  // namespace
}  // namespace nucleus::testing
