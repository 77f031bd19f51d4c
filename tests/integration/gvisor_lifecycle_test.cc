// Detached gVisor sandboxes: the lifecycle verbs through runsc, checkpoint and restore, and a
// clean host afterwards (IntegrationTest checks cgroups, state files and processes).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "counter.h"
#include "gvisor.h"

namespace nucleus::testing {
namespace {

std::string start_gv(const std::vector<std::string>& args) {
  return start(with({"--runtime", "gvisor"}, args));
}

TEST_F(Gvisor, DetachedLifecycleThroughRunsc) {
  std::string id = start_gv(with({"--name", "gv-life", "--memory", "128m"}, kCounter));
  // run -d returns once the sandbox runs: the verbs that follow find it at once.
  EXPECT_EQ(status_of("gv-life"), "running");
  wait_for_count("gv-life", 3);
  EXPECT_NE(run({"logs", "gv-life"}).out.find("tick 2\n"), std::string::npos);
  EXPECT_EQ(run({"exec", "gv-life", "sh", "-c", "exit 3"}).code, 3);
  RunOptions in;
  in.stdin_data = "through stdin\n";
  in.pass_stdin = true;
  EXPECT_EQ(run({"exec", "-i", "gv-life", "cat"}, in).out, "through stdin\n");
  // exec gets the container's identity and policy: no capabilities, its environment.
  EXPECT_EQ(
      run({"exec", "-e", "X=1", "gv-life", "sh", "-c", "echo $X; grep CapEff /proc/self/status"})
          .out,
      "1\nCapEff:\t0000000000000000\n");
  EXPECT_EQ(run({"exec", "-d", "gv-life", "sleep", "30"}).code, 0);
  // top asks the sandbox's kernel: its own PIDs, the workload's commands.
  std::string top;
  for (int i = 0; i < 50 && top.find("sleep") == std::string::npos; i++) {
    top = run({"top", "gv-life"}).out;
    usleep(50000);
  }
  EXPECT_NE(top.find(" 1 "), std::string::npos) << top;
  EXPECT_NE(top.find("sleep"), std::string::npos) << top;
  auto stats =
      nlohmann::json::parse(run({"stats", "--no-stream", "--format", "json", "gv-life"}).out);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_GT(stats[0]["memory_usage"].get<uint64_t>(), 0u);
  EXPECT_EQ(stats[0]["memory_limit"].get<uint64_t>(), 128u << 20);

  EXPECT_EQ(run({"pause", "gv-life"}).code, 0);
  EXPECT_EQ(status_of("gv-life"), "paused");
  RunResult refused = run({"exec", "gv-life", "true"});
  EXPECT_EQ(refused.code, 125);
  EXPECT_NE(refused.err.find("paused"), std::string::npos) << refused.err;
  EXPECT_EQ(run({"unpause", "gv-life"}).code, 0);
  EXPECT_EQ(status_of("gv-life"), "running");

  EXPECT_EQ(run({"kill", "-s", "USR1", "gv-life"}).code, 0);  // the workload, not runsc
  EXPECT_EQ(trim(run({"wait", "gv-life"}).out), std::to_string(128 + SIGUSR1));
  EXPECT_EQ(run({"rm", "gv-life"}).code, 0);
  EXPECT_FALSE(std::filesystem::exists("/run/nucleus/gvisor/" + id));
}

TEST_F(Gvisor, StopSendsTermThenKill) {
  start_gv({"--name", "gv-term", "--", "sh", "-c",
            "trap 'echo got-term; exit 42' TERM; echo trapped; while true; do sleep 0.1; done"});
  ASSERT_TRUE(wait_for_log("gv-term", "trapped"));
  EXPECT_EQ(run({"stop", "gv-term"}).code, 0);
  EXPECT_EQ(status_of("gv-term"), "exited");
  EXPECT_NE(run({"logs", "gv-term"}).out.find("got-term"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(run({"inspect", "gv-term"}).out)[0]["state"]["exit_code"], 42);
  start_gv({"--name", "gv-stubborn", "--", "sh", "-c",
            "trap '' TERM; echo trapped; while :; do sleep 0.1; done"});
  ASSERT_TRUE(wait_for_log("gv-stubborn", "trapped"));
  EXPECT_EQ(run({"stop", "-t", "1", "gv-stubborn"}).code, 0);
  EXPECT_EQ(nlohmann::json::parse(run({"inspect", "gv-stubborn"}).out)[0]["state"]["exit_code"],
            137);
  EXPECT_EQ(run({"rm", "gv-term", "gv-stubborn"}).code, 0);
}

TEST_F(Gvisor, ForcedRemovalOfAPausedSandbox) {
  start_gv({"--name", "gv-paused", "--", "sleep", "100"});
  EXPECT_EQ(run({"pause", "gv-paused"}).code, 0);
  EXPECT_EQ(run({"rm", "gv-paused"}).code, 125);  // running: refused without -f
  EXPECT_EQ(run({"rm", "-f", "gv-paused"}).code, 0);
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
}

TEST_F(Gvisor, CheckpointAndRestoreContinueTheCounter) {
  TempDir dir;
  std::string images = dir.path() + "/ck";
  TempDir ctx;
  ctx.file("given", "g\n");
  start_gv(with({"--name", "gv-ck", "--memory", "96m", "--pids", "1000", "--context", ctx.path()},
                kCounter));
  wait_for_count("gv-ck", 10);
  ASSERT_EQ(run({"exec", "gv-ck", "sh", "-c", "echo made > /context/made"}).code, 0);
  EXPECT_EQ(run({"checkpoint", "-o", images, "gv-ck"}).code, 0);
  EXPECT_EQ(status_of("gv-ck"), "exited");  // it stops with its checkpoint, without a restart
  struct stat st {};
  ASSERT_EQ(stat(images.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::ifstream mf(images + "/metadata.json");
  auto meta = nlohmann::json::parse(mf);
  EXPECT_EQ(meta["name"], "gv-ck");
  EXPECT_TRUE(meta["gvisor"].get<bool>());
  EXPECT_EQ(meta["limits"]["memory_max"], 96u << 20);
  EXPECT_EQ(meta["limits"]["pids_max"], 1000);

  RunResult restored = run({"restore", "-d", "--name", "gv-ck2", "-i", images});
  ASSERT_EQ(restored.code, 0) << restored.err;
  expect_counting_on("gv-ck2", 10);
  // The context copy as it was, edits included (the host's directory untouched).
  EXPECT_EQ(run({"exec", "gv-ck2", "cat", "/context/given", "/context/made"}).out, "g\nmade\n");
  EXPECT_FALSE(std::filesystem::exists(ctx.path() + "/made"));
  std::string log = run({"logs", "gv-ck2"}).out;  // its log goes on from gv-ck's
  EXPECT_EQ(log.rfind("tick 1\ntick 2\n", 0), 0u) << log;
  auto stats =
      nlohmann::json::parse(run({"stats", "--no-stream", "--format", "json", "gv-ck2"}).out);
  EXPECT_EQ(stats[0]["memory_limit"].get<uint64_t>(), 96u << 20);  // the recorded limits

  // runsc's --leave-running kills the sandbox: refused, and the container goes on.
  std::string again = dir.path() + "/ck2";
  EXPECT_EQ(run({"checkpoint", "--leave-running", "-o", again, "gv-ck2"}).code, 125);
  EXPECT_FALSE(std::filesystem::exists(again));
  EXPECT_EQ(status_of("gv-ck2"), "running");
  EXPECT_EQ(run({"rm", "-f", "gv-ck", "gv-ck2"}).code, 0);
}

// runsc cannot checkpoint a sandbox and leave it running: fork checkpoints it, and it goes on in
// place (same ID, name and log) beside copies that go on from the same point, each with its own
// context copy.
TEST_F(Gvisor, ForkGoesOnInPlaceBesideItsCopies) {
  TempDir ctx;
  std::string id = start_gv(with({"--name", "gv-f", "--context", ctx.path()}, kCounter));
  wait_for_count("gv-f", 5);
  ASSERT_EQ(run({"exec", "gv-f", "sh", "-c", "echo made > /context/made"}).code, 0);
  RunResult f = run({"fork", "--count", "2", "gv-f"});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(split_lines(f.out).size(), 2u) << f.out;  // the copies' IDs
  EXPECT_EQ(nlohmann::json::parse(run({"inspect", "gv-f"}).out)[0]["id"], id);
  for (const char* name : {"gv-f", "gv-f-1", "gv-f-2"}) {
    EXPECT_EQ(status_of(name), "running") << name;
    expect_counting_on(name, 5);
    EXPECT_EQ(run({"exec", name, "cat", "/context/made"}).out, "made\n") << name;
  }
  ASSERT_EQ(run({"exec", "gv-f-1", "sh", "-c", "echo 1 > /context/only1"}).code, 0);
  EXPECT_NE(run({"exec", "gv-f-2", "test", "-e", "/context/only1"}).code, 0);
  EXPECT_EQ(run({"logs", "gv-f"}).out.rfind("tick 1\n", 0), 0u);
  EXPECT_EQ(run({"rm", "-f", "gv-f", "gv-f-1", "gv-f-2"}).code, 0);
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
}

TEST_F(Gvisor, ATamperedCheckpointIsRefused) {
  TempDir dir;
  std::string images = dir.path() + "/ck";
  start_gv({"--name", "gv-tamper", "--", "sleep", "100"});
  ASSERT_EQ(run({"checkpoint", "-o", images, "gv-tamper"}).code, 0);
  // A name in use, a bad name, a symlink in place of the directory: refused, nothing made.
  expect_refused({"restore", "-d", "--name", "gv-tamper", "-i", images}, "already in use");
  expect_refused({"restore", "-d", "--name", "a/b", "-i", images}, "invalid name");
  std::filesystem::create_directory_symlink(images, dir.path() + "/link");
  expect_refused({"restore", "-d", "-i", dir.path() + "/link"}, "link");
  EXPECT_EQ(split_lines(run({"ps", "-a", "-q"}).out).size(), 1u);
  EXPECT_EQ(run({"rm", "gv-tamper"}).code, 0);
  {
    std::fstream img(images + "/checkpoint.img", std::ios::in | std::ios::out | std::ios::binary);
    img.seekp(1000);
    img.put('\x5a');
  }
  RunResult r = run({"restore", "-d", "-i", images});
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("HMAC"), std::string::npos) << r.err;
  std::filesystem::remove(images + "/checkpoint.hmac");
  r = run({"restore", "-i", images});
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("not signed"), std::string::npos) << r.err;
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
}

TEST_F(Gvisor, CheckpointBadInput) {
  TempDir dir;
  start_gv({"--name", "gv-bad", "--", "sleep", "100"});
  std::string busy = dir.path() + "/busy";
  std::filesystem::create_directory(busy);
  dir.file("busy/keep", "mine");
  EXPECT_EQ(run({"checkpoint", "-o", busy, "gv-bad"}).code, 125);  // not empty: refused
  EXPECT_EQ(std::filesystem::directory_iterator(busy)->path().filename(), "keep");
  std::string link = dir.path() + "/link";
  std::filesystem::create_directory_symlink(dir.path() + "/elsewhere", link);
  EXPECT_EQ(run({"checkpoint", "-o", link, "gv-bad"}).code, 125);  // a symlink: refused
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/elsewhere"));
  EXPECT_EQ(run({"checkpoint", "-o", dir.path() + "/x", "nosuch"}).code, 125);
  EXPECT_EQ(run({"restore", "-i", dir.path() + "/missing"}).code, 125);
  EXPECT_EQ(status_of("gv-bad"), "running");  // none of it touched the container
  EXPECT_EQ(run({"rm", "-f", "gv-bad"}).code, 0);
}

TEST_F(Gvisor, CopyInAndOutThroughTheSandbox) {
  TempDir host;
  host.file("tree/a.txt", "one\n");
  host.file("tree/sub/b.txt", "two\n");
  start_gv({"--name", "gv-cp", "--", "sleep", "100"});
  // The sandbox's /tmp is its own memory: a copy that went through the host's paths (runsc's
  // view) would land on the host instead.
  std::string unique = "/tmp/nucleus-gv-cp-" + std::to_string(getpid());
  EXPECT_EQ(run({"cp", host.path() + "/tree", "gv-cp:" + unique}).code, 0);
  EXPECT_FALSE(std::filesystem::exists(unique)) << "copied onto the host";
  EXPECT_EQ(run({"cp", host.path() + "/tree/a.txt", "gv-cp:/tmp/"}).code, 0);
  EXPECT_EQ(
      run({"exec", "gv-cp", "cat", unique + "/a.txt", unique + "/sub/b.txt", "/tmp/a.txt"}).out,
      "one\ntwo\none\n");
  std::string out = host.path() + "/out";
  std::filesystem::create_directory(out);
  EXPECT_EQ(run({"exec", "gv-cp", "sh", "-c", "echo made inside > /tmp/made"}).code, 0);
  EXPECT_EQ(run({"cp", "gv-cp:/tmp/made", out}).code, 0);
  std::ifstream made(out + "/made");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(made)), {}), "made inside\n");
  struct stat st {};
  ASSERT_EQ(stat((out + "/made").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // the caller's, not the sandbox's user
  // A directory out, with a symlink in it (copied as a link, not followed): as natively, a new
  // destination gets the directory, an existing directory gets it by name.
  EXPECT_EQ(
      run({"exec", "gv-cp", "sh", "-c",
           "mkdir -p " + unique + "/deep/er && echo x > " + unique + "/deep/er/x && chmod 4755 " +
               unique + "/deep/er/x && ln -s /etc " + unique + "/etc-link"})
          .code,
      0);
  RunResult tree = run({"cp", "gv-cp:" + unique, out + "/tree"});
  EXPECT_EQ(tree.code, 0) << tree.err;
  std::ifstream deep(out + "/tree/deep/er/x");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(deep)), {}), "x\n");
  EXPECT_EQ(std::filesystem::read_symlink(out + "/tree/etc-link"), "/etc");
  ASSERT_EQ(stat((out + "/tree/deep/er/x").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // no setuid bit from inside
  EXPECT_EQ(run({"cp", "gv-cp:" + unique + "/deep", out}).code, 0);
  EXPECT_TRUE(std::filesystem::exists(out + "/deep/er/x"));
  EXPECT_EQ(run({"cp", "gv-cp:" + unique + "/etc-link", out + "/copied-link"}).code, 0);
  EXPECT_EQ(std::filesystem::read_symlink(out + "/copied-link"), "/etc");
  // Refused, and nothing written: through a symlink, a directory over a file, a missing file.
  std::filesystem::create_symlink(host.path() + "/victim", out + "/link");
  EXPECT_EQ(run({"cp", "gv-cp:/tmp/made", out + "/link"}).code, 125);
  EXPECT_FALSE(std::filesystem::exists(host.path() + "/victim"));
  EXPECT_EQ(run({"cp", "gv-cp:" + unique, out + "/made"}).code, 125);
  EXPECT_EQ(run({"cp", "gv-cp:/tmp/missing", out}).code, 125);
  EXPECT_EQ(run({"cp", host.path() + "/missing", "gv-cp:/tmp/x"}).code, 125);
  std::set<std::string> entries;
  for (auto& e : std::filesystem::directory_iterator(out)) entries.insert(e.path().filename());
  // No temp file left.
  EXPECT_EQ(entries, (std::set<std::string>{"made", "link", "tree", "deep", "copied-link"}));
  EXPECT_EQ(run({"rm", "-f", "gv-cp"}).code, 0);
}

TEST_F(Gvisor, TerminalsForRunAndExec) {
  // run -t: runsc's console socket; the size is the caller's.
  RunResult r = run_on_terminal({"run", "-t", "--runtime", "gvisor", "--", "sh", "-c",
                                 "stty size; test -t 0 && echo stdin-tty; exit 3"},
                                30, 100);
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("30 100"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stdin-tty"), std::string::npos) << r.out;
  start_gv({"--name", "gv-tty", "--", "sleep", "100"});
  r = run_on_terminal({"exec", "-it", "gv-tty", "sh", "-c", "test -t 1 && echo out-tty; exit 4"},
                      24, 80);
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("out-tty"), std::string::npos) << r.out;
  EXPECT_EQ(run({"exec", "-t", "gv-tty", "true"}).code, 125);  // no terminal on stdin
  EXPECT_EQ(run({"rm", "-f", "gv-tty"}).code, 0);
}

}  // namespace
}  // namespace nucleus::testing
