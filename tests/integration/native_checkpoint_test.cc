// Checkpoints of native containers through CRIU: what cannot be saved safely is refused before
// anything is made; where CRIU works (the pure-v2 VM, tests/vm/run-criu.sh) a container stops
// with its checkpoint and goes on, restored, from where it was, with every layer CRIU can carry
// (seccomp, no_new_privs, no capabilities, a read-only root, its own cgroup and namespaces).
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "net/loopback.h"

#include "counter.h"

namespace nucleus::testing {
namespace {

bool host_has_landlock() {
  return syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION) > 0;
}

bool criu_works() {
  return access("/usr/sbin/criu", X_OK) == 0 &&
         std::system("/usr/sbin/criu check >/dev/null 2>&1") == 0;
}

class NativeCheckpoint : public IntegrationTest {};

class WithCriu : public NativeCheckpoint {
 protected:
  void SetUp() override {
    NativeCheckpoint::SetUp();
    if (IsSkipped()) return;
    if (!criu_works())
      GTEST_SKIP() << "no working CRIU here (`criu check` fails: CRIU 4.1 or newer is needed on "
                      "kernels from 6.13); tests/vm/run-criu.sh runs these in a VM where it works";
  }
};

// The proc status line `key`, as the restored workload sees it.
std::string status_line(const std::string& ref, const std::string& key) {
  return trim(run({"exec", ref, "sh", "-c", "grep '^" + key + ":' /proc/self/status"}).out);
}

// A container started with `flags` whose checkpoint is refused (125) with every one of `needles`
// in the message: no directory made, and the container still running.
void expect_checkpoint_refused(const std::vector<std::string>& flags,
                               const std::vector<std::string>& needles) {
  TempDir dir;
  std::vector<std::string> args = {"--name", "ck-refused"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"--", "sleep", "100"});
  start(args);
  RunResult r = run({"checkpoint", "-o", dir.path() + "/ck", "ck-refused"});
  EXPECT_EQ(r.code, 125);
  for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/ck"));
  EXPECT_EQ(status_of("ck-refused"), "running");
  EXPECT_EQ(run({"rm", "-f", "ck-refused"}).code, 0);
}

TEST_F(NativeCheckpoint, RefusesALandlockDomainItCannotSave) {
  if (!host_has_landlock()) GTEST_SKIP() << "no Landlock in this kernel";
  expect_checkpoint_refused({}, {"confined by Landlock", "--no-landlock"});
}

TEST_F(NativeCheckpoint, RefusesSecretsItWouldWriteToDisk) {
  TempDir dir;
  std::string secret = dir.file("token", "s3cret\n", 0600);
  expect_checkpoint_refused({"--no-landlock", "--secret", secret}, {"--secret"});
  expect_run_refused({"--no-landlock", "--service-mode", "production"}, "--no-landlock");
  expect_run_refused({"--no-landlock", "--landlock-policy", secret}, "contradicts");
  expect_refused({"fork", "--count", "0", "nosuch"}, "count");
  expect_refused({"fork", "nosuch"}, "nosuch");
}

TEST_F(NativeCheckpoint, SaysWhatItNeeds) {
  if (criu_works()) GTEST_SKIP() << "CRIU works here: the WithCriu tests restore";
  expect_checkpoint_refused({"--no-landlock"}, {"CRIU"});
}

TEST_F(WithCriu, RestoresWhereItLeftOff) {
  TempDir dir;
  std::string images = dir.path() + "/ck";
  std::string first = start(with({"--name", "ck-a", "--no-landlock", "--memory", "96m",
                                  "--log-driver", "json-file", "--restart", "on-failure:3"},
                                 kCounter));
  wait_for_count("ck-a", 10);
  RunResult c = run({"checkpoint", "-o", images, "ck-a"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(status_of("ck-a"), "running");  // it stops with its checkpoint, without a restart
  for (const char* f : {"root.tar", "native.json", "metadata.json", "spec.json", "checkpoint.hmac"})
    EXPECT_TRUE(std::filesystem::exists(images + "/" + f)) << f;

  RunResult r = run({"restore", "-d", "--name", "ck-b", "-i", images});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string second = trim(r.out);
  EXPECT_NE(second, first);
  EXPECT_EQ(status_of("ck-b"), "running");
  expect_counting_on("ck-b", 10);
  // Its log goes on from the checkpointed one's, in the format it had.
  std::string log = run({"logs", "ck-b"}).out;
  EXPECT_EQ(log.rfind("tick 1\ntick 2\n", 0), 0u) << log;
  EXPECT_NE(log.find("tick " + std::to_string(count_in("ck-b") - 1) + "\n"), std::string::npos);
  auto b = nlohmann::json::parse(run({"inspect", "ck-b"}).out)[0];
  EXPECT_EQ(b["state"]["log_driver"], "json-file") << b.dump();
  EXPECT_EQ(b["state"]["restart_policy"], "on-failure") << b.dump();  // as it ran

  // What CRIU carries, and what nucleus restores around it.
  EXPECT_EQ(status_line("ck-b", "NoNewPrivs"), "NoNewPrivs:\t1");
  EXPECT_EQ(status_line("ck-b", "Seccomp"), "Seccomp:\t2");
  EXPECT_EQ(status_line("ck-b", "CapEff"), "CapEff:\t0000000000000000");
  RunResult w = run({"exec", "ck-b", "sh", "-c", "echo x > /x"});
  EXPECT_NE(w.code, 0);
  EXPECT_NE(w.err.find("Read-only"), std::string::npos) << w.err;
  EXPECT_EQ(trim(run({"exec", "ck-b", "cat", "/proc/self/cgroup"}).out).substr(0, 3), "0::");
  auto stats = nlohmann::json::parse(run({"stats", "--no-stream", "--format", "json", "ck-b"}).out);
  EXPECT_EQ(stats[0]["memory_limit"].get<uint64_t>(), 96u << 20);  // the recorded limits

  // A changed checkpoint is refused.
  {
    std::fstream t(images + "/root.tar", std::ios::in | std::ios::out | std::ios::binary);
    t.seekp(600);
    t.put('!');
  }
  RunResult bad = run({"restore", "-d", "--name", "ck-c", "-i", images});
  EXPECT_EQ(bad.code, 125);
  EXPECT_NE(bad.err.find("HMAC"), std::string::npos) << bad.err;
  EXPECT_EQ(run({"rm", "-f", "ck-a", "ck-b"}).code, 0);
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
}

TEST_F(WithCriu, LeaveRunningAndForkMakeCopies) {
  TempDir dir;
  std::string images = dir.path() + "/ck";
  start(with({"--name", "ck-orig", "--no-landlock"}, kCounter));
  wait_for_count("ck-orig", 5);
  RunResult c = run({"checkpoint", "--leave-running", "-o", images, "ck-orig"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(status_of("ck-orig"), "running");
  long at = count_in("ck-orig");
  RunResult r = run({"restore", "-d", "--name", "ck-copy", "-i", images});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GE(count_in("ck-copy"), at - 1);

  // fork: the same, in one step, N times; the checkpoint it made is gone afterwards.
  RunResult f = run({"fork", "--count", "2", "ck-orig"});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(split_lines(f.out).size(), 2u) << f.out;
  for (const char* name : {"ck-orig", "ck-copy", "ck-orig-1", "ck-orig-2"}) {
    EXPECT_EQ(status_of(name), "running") << name;
    EXPECT_GE(count_in(name), at - 1) << name;
  }
  // Each copy has a network namespace of its own.
  EXPECT_NE(run({"exec", "ck-orig-1", "readlink", "/proc/1/ns/net"}).out,
            run({"exec", "ck-orig-2", "readlink", "/proc/1/ns/net"}).out);
  RunResult again = run({"fork", "--count", "2", "ck-orig"});  // the names are taken
  EXPECT_EQ(again.code, 125);
  EXPECT_NE(again.err.find("already in use"), std::string::npos) << again.err;
  EXPECT_EQ(run({"rm", "-f", "ck-orig", "ck-copy", "ck-orig-1", "ck-orig-2"}).code, 0);
}

// An agent's work is in its files: the context copy and /tmp travel with the checkpoint, and
// every copy has its own from there on; the host's context directory never changes.
TEST_F(WithCriu, FilesGoWithTheCheckpointAndEachCopyHasItsOwn) {
  TempDir ctx;
  ctx.file("task.txt", "given\n");
  start(with({"--name", "ck-files", "--no-landlock", "--context", ctx.path()}, kCounter));
  wait_for_count("ck-files", 2);
  ASSERT_EQ(
      run({"exec", "ck-files", "sh", "-c", "echo made > /context/made; echo t > /tmp/t"}).code, 0);
  RunResult f = run({"fork", "--count", "2", "ck-files"});
  ASSERT_EQ(f.code, 0) << f.err;
  for (const char* name : {"ck-files-1", "ck-files-2"}) {
    EXPECT_EQ(run({"exec", name, "cat", "/context/task.txt", "/context/made", "/tmp/t"}).out,
              "given\nmade\nt\n")
        << name;
  }
  ASSERT_EQ(run({"exec", "ck-files-1", "sh", "-c", "echo 1 > /context/only1; rm /tmp/t"}).code, 0);
  EXPECT_NE(run({"exec", "ck-files-2", "test", "-e", "/context/only1"}).code, 0);
  EXPECT_EQ(run({"exec", "ck-files-2", "cat", "/tmp/t"}).out, "t\n");
  EXPECT_EQ(run({"exec", "ck-files", "cat", "/tmp/t"}).out, "t\n");
  EXPECT_NE(run({"exec", "ck-files", "test", "-e", "/context/only1"}).code, 0);
  EXPECT_FALSE(std::filesystem::exists(ctx.path() + "/made"));
  EXPECT_EQ(run({"rm", "-f", "ck-files", "ck-files-1", "ck-files-2"}).code, 0);
}

// Without -d, nucleus is the restored container's monitor, as a foreground run's: its output
// on ours, its exit code ours, nothing left once it ends.
TEST_F(WithCriu, AForegroundRestoreGoesOnToTheEnd) {
  TempDir dir;
  std::string images = dir.path() + "/ck";
  start({"--name", "ck-fg", "--no-landlock", "--", "sh", "-c",
         "i=0; while [ $i -lt 30 ]; do i=$((i+1)); echo $i > /tmp/count; echo tick $i; "
         "sleep 0.1; done; exit 7"});
  wait_for_count("ck-fg", 5);
  ASSERT_EQ(run({"checkpoint", "-o", images, "ck-fg"}).code, 0);
  RunResult r = run({"restore", "--name", "ck-fg2", "-i", images});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out.find("tick 1\n"), std::string::npos) << "started again: " << r.out;
  EXPECT_NE(r.out.find("tick 30\n"), std::string::npos) << r.out;
  EXPECT_EQ(run({"rm", "ck-fg"}).code, 0);
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
}

// The links of this network namespace (/sys/class/net).
std::set<std::string> links() {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net"))
    out.insert(e.path().filename());
  return out;
}

// The test in a network namespace of its own, playing the host: nucleus makes its bridge there.
class FakeHost {
 public:
  FakeHost() : host_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    EXPECT_EQ(::unshare(CLONE_NEWNET), 0);
    EXPECT_FALSE(net::child_loopback_up());
  }
  ~FakeHost() {
    EXPECT_EQ(::setns(host_, CLONE_NEWNET), 0);
    ::close(host_);
  }

 private:
  int host_;
};

// A restored or forked container on a bridge network gets an address of its own there, and what
// listened before the checkpoint answers on it.
TEST_F(WithCriu, BridgeCopiesGetAnAddressOfTheirOwn) {
  FakeHost host;
  auto before = links();
  TempDir dir;
  std::string images = dir.path() + "/ck";
  start({"--name", "ck-web", "--no-landlock", "--network", "bridge", "--context", probe_dir(),
         "--context-mode", "bind", "--", "sh", "-c",
         "echo served > /tmp/page; exec busybox httpd -f -p 8080 -h /tmp"});
  auto ip_of = [](const std::string& ref) -> std::string {
    return nlohmann::json::parse(run({"inspect", ref}).out)[0]["network"]["ip"];
  };
  auto answers = [](const std::string& ip) {
    auto j = probe({"--network", "bridge"}, {"connect=" + ip + ":8080"});
    return j["checks"]["connect=" + ip + ":8080"] == 0;
  };
  std::string first = ip_of("ck-web");
  bool up = false;
  for (int i = 0; i < 50 && !(up = answers(first)); i++) usleep(100000);
  ASSERT_TRUE(up) << "httpd never listened on " << first;

  RunResult f = run({"fork", "ck-web"});
  ASSERT_EQ(f.code, 0) << f.err;
  std::string copy = ip_of("ck-web-1");
  EXPECT_NE(copy, first);
  EXPECT_TRUE(answers(copy)) << copy;
  EXPECT_TRUE(answers(first)) << first;

  RunResult bad = run({"checkpoint", "--tcp-established", "-o", images, "ck-web"});
  EXPECT_EQ(bad.code, 125);
  EXPECT_NE(bad.err.find("address of its own"), std::string::npos) << bad.err;
  ASSERT_EQ(run({"checkpoint", "-o", images, "ck-web"}).code, 0);
  RunResult r = run({"restore", "-d", "--name", "ck-web2", "-i", images});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string restored = ip_of("ck-web2");
  EXPECT_NE(restored, copy);
  EXPECT_TRUE(answers(restored)) << restored;
  EXPECT_EQ(run({"exec", "ck-web2", "cat", "/tmp/page"}).out, "served\n");

  EXPECT_EQ(run({"rm", "-f", "ck-web", "ck-web-1", "ck-web2"}).code, 0);
  EXPECT_EQ(run({"network", "rm", "bridge"}).code, 0);
  EXPECT_EQ(links(), before);
}

// A --rootfs stays the host's: bound again at restore (read-only, as it was), never archived
// into the checkpoint, and the host's filesystem under it stays writable.
TEST_F(WithCriu, ARootfsContainerGoesOnOnTheSameRoot) {
  TempDir dir;
  std::string rootfs = dir.path() + "/rootfs", images = dir.path() + "/ck";
  make_busybox_rootfs(rootfs);
  if (IsSkipped()) return;
  start(with({"--name", "ck-root", "--no-landlock", "--rootfs", rootfs}, kCounter));
  wait_for_count("ck-root", 5);
  ASSERT_EQ(run({"checkpoint", "-o", images, "ck-root"}).code, 0);
  EXPECT_FALSE(std::filesystem::exists(images + "/root.tar"));
  RunResult r = run({"restore", "-d", "--name", "ck-root2", "-i", images});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_counting_on("ck-root2", 5);
  RunResult w = run({"exec", "ck-root2", "sh", "-c", "echo x > /x"});
  EXPECT_NE(w.code, 0);
  EXPECT_NE(w.err.find("Read-only"), std::string::npos) << w.err;
  EXPECT_EQ(run({"exec", "ck-root2", "cat", "/probe"}).code, 0);  // the rootfs's own files
  EXPECT_TRUE(std::ofstream(rootfs + "/host-writes").good());     // the host's stays writable
  EXPECT_EQ(run({"rm", "-f", "ck-root", "ck-root2"}).code, 0);

  // A root the container writes to would be shared by its copies.
  start({"--name", "ck-rw", "--no-landlock", "--rootfs", rootfs, "--rootfs-rw", "--", "sleep",
         "100"});
  expect_refused({"fork", "ck-rw"}, "--rootfs");
  EXPECT_EQ(run({"rm", "-f", "ck-rw"}).code, 0);
  // A missing root refuses the restore, leaving nothing.
  std::filesystem::rename(rootfs, dir.path() + "/moved");
  expect_refused({"restore", "-d", "--name", "ck-root3", "-i", images}, "--rootfs");
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
}

}  // namespace
}  // namespace nucleus::testing
