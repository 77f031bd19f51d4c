// Detached containers: run -d under a monitor, and every command that works on them (ps,
// inspect, logs, wait, stop, kill, pause, exec, cp, top, stats, rm), seen from outside and from
// a probe inside.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "detached.h"

namespace nucleus::testing {
namespace {

class Detached : public IntegrationTest {};

TEST_F(Detached, RunDetachedPrintsTheIdAndKeepsRunning) {
  RunResult r = run({"run", "-d", "--name", "svc", "--", "sleep", "30"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string id = trim(r.out);
  ASSERT_EQ(id.size(), 64u);
  auto ps = nlohmann::json::parse(run({"ps", "--format", "json"}).out);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0]["id"], id);
  EXPECT_EQ(ps[0]["status"], "running");
  pid_t init = ps[0]["pid"].get<pid_t>();
  EXPECT_EQ(slurp_proc(init, "comm"), "sleep\n");
  // Every reference form works: full ID, prefix, name.
  for (const std::string& ref : {id, id.substr(0, 12), id.substr(0, 5), std::string("svc")})
    EXPECT_EQ(run({"inspect", ref}).code, 0) << ref;
  auto in = nlohmann::json::parse(run({"inspect", "svc"}).out)[0];
  EXPECT_EQ(in["state"]["status"], "running");
  EXPECT_EQ(in["state"]["pid"], init);
  EXPECT_EQ(in["spec"]["process"]["args"][0], "sleep");
  EXPECT_FALSE(in["cgroup_dirs"].empty());
  EXPECT_NE(in["log_path"].get<std::string>().find("container.log"), std::string::npos);
  bool has_proc = false;
  for (const auto& m : in["mounts"]) has_proc |= m["destination"] == "/proc";
  EXPECT_TRUE(has_proc) << in["mounts"];
  RunResult again = run({"run", "-d", "--name", "svc", "--", "true"});
  EXPECT_EQ(again.code, 125);
  EXPECT_NE(again.err.find("already in use"), std::string::npos) << again.err;
  RunResult busy = run({"rm", "svc"});
  EXPECT_EQ(busy.code, 125);
  EXPECT_NE(busy.err.find("stop it first"), std::string::npos) << busy.err;
  EXPECT_EQ(run({"ps", "-q"}).out, id.substr(0, 12) + "\n");  // still there
  EXPECT_EQ(run({"rm", "-f", "svc"}).code, 0);
  EXPECT_TRUE(process_gone(init));
}

TEST_F(Detached, LogsKeepStdoutAndStderr) {
  std::string id = start({"--", "sh", "-c", "echo one; echo two >&2; echo three; exit 3"});
  RunResult w = run({"wait", id});
  EXPECT_EQ(w.code, 3) << w.err;
  EXPECT_EQ(w.out, "3\n");
  RunResult logs = run({"logs", id});
  EXPECT_EQ(logs.out, "one\nthree\n");
  EXPECT_EQ(logs.err, "two\n");
  // The two pipes are read separately, so only the order within a stream is kept.
  RunResult last = run({"logs", "--tail", "1", id});
  EXPECT_EQ(last.out + last.err == "three\n" || last.out + last.err == "two\n", true) << last.out;
  std::string stamped = run({"logs", "-t", id}).out;
  EXPECT_EQ(stamped.size(), 2 * (std::string("2026-01-01T00:00:00.000000000Z ").size()) + 10)
      << stamped;
  auto ps = nlohmann::json::parse(run({"ps", "-a", "--format", "json"}).out);
  EXPECT_EQ(ps[0]["status"], "exited");
  EXPECT_EQ(ps[0]["exit_code"], 3);
  EXPECT_NE(run({"ps", "-a"}).out.find("exited (3)"), std::string::npos);
  EXPECT_EQ(run({"ps", "-q"}).out, "");  // not running: only with -a
  EXPECT_EQ(run({"rm", id}).code, 0);    // stopped: no -f needed
}

// The monitor records the exit and dies at once: a wait that read the record just before that
// must read it again rather than call the container dead (a race CI once lost).
TEST_F(Detached, WaitNeverMistakesAFreshExitForADeath) {
  for (int i = 0; i < 25; i++) {
    std::string id = start({"--", "sh", "-c", "exit 3"});
    RunResult w = run({"wait", id});
    EXPECT_EQ(w.code, 3) << w.err;
    EXPECT_EQ(run({"rm", id}).code, 0);
  }
}

TEST_F(Detached, LogsFollowUntilTheContainerStops) {
  std::string id = start({"--", "sh", "-c", "echo a; sleep 0.5; echo b; sleep 0.5; echo c"});
  RunResult f = run({"logs", "-f", id});
  EXPECT_EQ(f.code, 0);
  EXPECT_EQ(f.out, "a\nb\nc\n");
  run({"rm", id});
}

TEST_F(Detached, LogsAreRotatedAtTheCap) {
  std::string id = start({"--log-opt", "max-size=8k", "--log-opt", "max-file=2", "--", "sh", "-c",
                          "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done"});
  run({"wait", id});
  std::string dir = "/run/nucleus/" + id;
  EXPECT_TRUE(std::filesystem::exists(dir + "/container.log.1"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/container.log.2"));
  EXPECT_LE(std::filesystem::file_size(dir + "/container.log"), 8192u);
  EXPECT_LE(std::filesystem::file_size(dir + "/container.log.1"), 8192u);
  std::string out = run({"logs", "--tail", "2", id}).out;
  EXPECT_EQ(out, "line 1998\nline 1999\n");
  run({"rm", id});
}

TEST_F(Detached, StopSendsTermThenKill) {
  std::string polite =
      start({"--", "sh", "-c", "trap 'exit 42' TERM; echo trapped; while :; do sleep 0.1; done"});
  ASSERT_TRUE(wait_for_log(polite, "trapped"));
  std::string stubborn = start({"--", "sleep", "100"});  // PID 1 ignores an unhandled TERM
  EXPECT_EQ(run({"stop", polite}).code, 0);
  EXPECT_EQ(run({"wait", polite}).out, "42\n");
  RunResult s = run({"stop", "-t", "1", stubborn});
  EXPECT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(run({"wait", stubborn}).out, "137\n");
  EXPECT_EQ(run({"stop", stubborn}).code, 0);  // stopping a stopped container is fine
  run({"rm", polite, stubborn});
}

TEST_F(Detached, KillSignalsTheInit) {
  std::string id =
      start({"--", "sh", "-c", "trap 'exit 10' USR1; echo trapped; while :; do sleep 0.1; done"});
  ASSERT_TRUE(wait_for_log(id, "trapped"));
  EXPECT_EQ(run({"kill", "-s", "USR1", id}).code, 0);
  EXPECT_EQ(run({"wait", id}).out, "10\n");
  RunResult dead = run({"kill", id});
  EXPECT_EQ(dead.code, 125);
  EXPECT_NE(dead.err.find("not running"), std::string::npos);
  EXPECT_EQ(run({"kill", "-s", "NOPE", id}).code, 125);
  run({"rm", id});
}

TEST_F(Detached, PauseFreezesEveryProcess) {
  std::string id =
      start({"--", "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done"});
  usleep(300000);
  EXPECT_EQ(run({"pause", id}).code, 0);
  EXPECT_NE(run({"ps"}).out.find("paused"), std::string::npos);
  std::string frozen = run({"logs", id}).out;
  usleep(400000);
  EXPECT_EQ(run({"logs", id}).out, frozen);  // nothing printed while frozen
  RunResult ex = run({"exec", id, "true"});
  EXPECT_EQ(ex.code, 125);
  EXPECT_NE(ex.err.find("paused"), std::string::npos) << ex.err;
  EXPECT_EQ(run({"unpause", id}).code, 0);
  usleep(300000);
  EXPECT_NE(run({"logs", id}).out, frozen);
  run({"pause", id});
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);  // a paused container is removed too
}

TEST_F(Detached, TopAndStatsReadTheCgroup) {
  std::string id = start({"--memory", "64m", "--", "sh", "-c", "sleep 100 & sleep 100 & wait"});
  usleep(200000);
  std::string top = run({"top", id}).out;
  EXPECT_NE(top.find("sleep 100"), std::string::npos) << top;
  EXPECT_EQ(std::count(top.begin(), top.end(), '\n'), 4) << top;  // header, sh, two sleeps
  auto st = nlohmann::json::parse(run({"stats", "--no-stream", "--format", "json", id}).out);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0]["pids"], 3);
  EXPECT_EQ(st[0]["memory_limit"], 64u << 20);
  EXPECT_GT(st[0]["memory_usage"].get<uint64_t>(), 0u);
  EXPECT_NE(run({"stats", "--no-stream"}).out.find(id.substr(0, 12)), std::string::npos);
  run({"rm", "-f", id});
}

TEST_F(Detached, RestartPolicies) {
  std::string fails = start({"--restart", "on-failure:2", "--", "sh", "-c", "exit 1"});
  EXPECT_EQ(run({"wait", fails}).out, "1\n");
  auto in = nlohmann::json::parse(run({"inspect", fails}).out)[0];
  EXPECT_EQ(in["state"]["restart_count"], 2);
  std::string ok = start({"--restart", "on-failure", "--", "true"});
  EXPECT_EQ(run({"wait", ok}).out, "0\n");
  EXPECT_EQ(nlohmann::json::parse(run({"inspect", ok}).out)[0]["state"]["restart_count"], 0);
  std::string always = start({"--restart", "always", "--", "sh", "-c", "sleep 0.2"});
  usleep(1000000);
  EXPECT_GE(nlohmann::json::parse(run({"inspect", always}).out)[0]["state"]["restart_count"], 1);
  EXPECT_EQ(run({"stop", "-t", "1", always}).code, 0);  // no restart after a stop
  usleep(300000);
  EXPECT_NE(run({"ps", "-a"}).out.find("exited"), std::string::npos);
  run({"rm", fails, ok, always});
}

TEST_F(Detached, RmFlagRemovesOnExit) {
  std::string id = start({"--rm", "--", "sh", "-c", "exit 0"});
  for (int i = 0; i < 300 && std::filesystem::exists("/run/nucleus/" + id); i++) usleep(10000);
  EXPECT_FALSE(std::filesystem::exists("/run/nucleus/" + id));
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
}

TEST_F(Detached, TimeoutKillsTheSandbox) {
  std::string id = start({"--timeout", "1", "--", "sleep", "100"});
  EXPECT_EQ(run({"wait", id}).out, "137\n");
  run({"rm", id});
}

TEST_F(Detached, InteractiveKeepsAShellAlive) {
  std::string id = start({"-i", "--", "sh"});  // as docker run -di: stdin open, never written
  usleep(300000);
  EXPECT_NE(run({"ps"}).out.find("running"), std::string::npos);
  EXPECT_EQ(run({"exec", id, "true"}).code, 0);
  run({"rm", "-f", id});
}

}  // namespace
}  // namespace nucleus::testing
