// Crash consistency and concurrency: nucleus (or the monitor) SIGKILLed at every step of
// create, start, exec, stop and rm leaves a state that `ps` reads truthfully and that `rm -f`
// or `gc` removes completely; concurrent starts, names and execs behave.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "detached.h"

namespace nucleus::testing {
namespace {

class Crash : public IntegrationTest {};

RunOptions abort_at(const std::string& step) {
  RunOptions o;
  o.env = {"NUCLEUS_TEST_ABORT_AT=" + step};
  return o;
}

// The one container in ps -a (by name): its status.
std::string status_of(const std::string& name) {
  auto ps = nlohmann::json::parse(run({"ps", "-a", "--format", "json"}).out);
  for (const auto& c : ps)
    if (c["name"] == name) return c["status"];
  return "missing";
}

TEST_F(Crash, MonitorKilledAtEachStartStep) {
  for (std::string step : {"create", "cgroup", "launch", "started"}) {
    SCOPED_TRACE(step);
    std::string name = "crash-" + step;
    RunResult r =
        run({"run", "-d", "--name", name, "--memory", "64m", "--", "sleep", "100"}, abort_at(step));
    if (step == "started") {
      EXPECT_EQ(r.code, 0) << r.err;  // it had reported the start; it dies a moment later
    } else {
      EXPECT_EQ(r.code, 125);
      EXPECT_NE(r.err.find("monitor died"), std::string::npos) << r.err;
    }
    // `run -d` sees the report pipe close while the monitor is still exiting: under load, ps
    // may find it alive for a moment longer.
    for (int i = 0; i < 300 && status_of(name) != "dead"; i++) usleep(10000);
    // The container died with its monitor (parent-death signal): ps says so.
    EXPECT_EQ(status_of(name), "dead");
    EXPECT_EQ(run({"ps", "-q"}).out, "");
    RunResult busy = run({"run", "-d", "--name", name, "--", "true"});
    EXPECT_EQ(busy.code, 125);  // the name stays taken until rm
    RunResult rm = run({"rm", "-f", name});
    EXPECT_EQ(rm.code, 0) << rm.err;
    EXPECT_EQ(status_of(name), "missing");
  }
}

TEST_F(Crash, GcCollectsWhatKilledMonitorsLeft) {
  run({"run", "-d", "--name", "gc1", "--", "sleep", "100"}, abort_at("started"));
  run({"run", "-d", "--name", "gc2", "--memory", "64m", "--", "sleep", "100"}, abort_at("cgroup"));
  for (int i = 0; i < 300 && status_of("gc1") != "dead"; i++) usleep(10000);
  std::string kept = start({"--name", "kept", "--", "true"});
  run({"wait", kept});
  RunResult gc = run({"gc"});
  EXPECT_EQ(gc.code, 0) << gc.err;
  EXPECT_EQ(std::count(gc.out.begin(), gc.out.end(), '\n'), 2) << gc.out;
  EXPECT_EQ(status_of("kept"), "exited");  // a normal exit stays until rm
  run({"rm", "kept"});
}

TEST_F(Crash, StopKilledMidwayLeavesARunningContainer) {
  std::string id = start({"--name", "stopme", "--", "sleep", "100"});
  RunResult s = run({"stop", id}, abort_at("stop"));
  EXPECT_EQ(s.code, 128 + SIGKILL);
  EXPECT_EQ(status_of("stopme"), "running");  // the truth: nothing was signalled yet
  EXPECT_EQ(run({"stop", "-t", "0", id}).code, 0);
  EXPECT_EQ(status_of("stopme"), "exited");
  run({"rm", id});
}

TEST_F(Crash, RmKilledMidwayIsFinishedByAnotherRm) {
  for (std::string step : {"rm", "rm-state"}) {
    SCOPED_TRACE(step);
    std::string id = start({"--name", "rmme", "--memory", "64m", "--", "sleep", "100"});
    RunResult r = run({"rm", "-f", id}, abort_at(step));
    EXPECT_EQ(r.code, 128 + SIGKILL);
    EXPECT_EQ(status_of("rmme"), "dead");
    EXPECT_EQ(run({"rm", "-f", "rmme"}).code, 0);
    EXPECT_EQ(status_of("rmme"), "missing");
  }
}

TEST_F(Crash, ExecKilledMidwayLeavesNoProcess) {
  std::string id = start({"--name", "execme", "--", "sleep", "100"});
  RunResult r = run({"exec", id, "sleep", "50"}, abort_at("exec"));
  EXPECT_EQ(r.code, 128 + SIGKILL);
  usleep(100000);
  std::string top = run({"top", id}).out;
  EXPECT_EQ(top.find("sleep 50"), std::string::npos) << top;  // died with its nucleus
  EXPECT_EQ(status_of("execme"), "running");
  EXPECT_EQ(run({"exec", id, "true"}).code, 0);
  run({"rm", "-f", id});
}

TEST_F(Crash, CorruptedStateIsReportedAndRemovable) {
  std::string good = start({"--name", "good", "--", "sleep", "100"});
  std::string bad = start({"--name", "bad", "--", "sleep", "100"});
  pid_t bad_init = nlohmann::json::parse(run({"inspect", bad}).out)[0]["state"]["pid"];
  std::ofstream("/run/nucleus/" + bad + "/state.json") << "{\"id\": 12";
  RunResult ps = run({"ps"});
  EXPECT_EQ(ps.code, 0);
  EXPECT_NE(ps.out.find("good"), std::string::npos);
  EXPECT_NE(ps.err.find("corrupted state"), std::string::npos) << ps.err;
  RunResult in = run({"inspect", bad.substr(0, 12)});
  EXPECT_EQ(in.code, 125);
  EXPECT_NE(in.err.find("corrupted state"), std::string::npos);
  EXPECT_EQ(run({"rm", bad}).code, 125);      // without -f: refused, nothing changed
  EXPECT_EQ(run({"rm", "-f", bad}).code, 0);  // its cgroup is killed: the init goes too
  EXPECT_TRUE(process_gone(bad_init));
  EXPECT_EQ(status_of("good"), "running");  // the other container is untouched
  run({"rm", "-f", good});
}

TEST_F(Crash, BadReferences) {
  std::string a = start({"--name", "ref-a", "--", "sleep", "100"});
  RunResult unknown = run({"stop", "nope"});
  EXPECT_EQ(unknown.code, 125);
  EXPECT_NE(unknown.err.find("no such container: nope"), std::string::npos);
  // A one-character prefix matches both containers often enough: make it certain. IDs are
  // random hex, so 200 tries miss with probability (15/16)^200, about 2.5e-6.
  std::string b;
  for (int i = 0; i < 200 && (b.empty() || b[0] != a[0]); i++) {
    if (!b.empty()) run({"rm", "-f", b});
    b = start({"--", "sleep", "100"});
  }
  if (b[0] != a[0]) {
    run({"rm", "-f", a, b});
    FAIL() << "no second ID starting with " << a[0];
  }
  RunResult amb = run({"inspect", a.substr(0, 1)});
  EXPECT_EQ(amb.code, 125);
  EXPECT_NE(amb.err.find("give more of the ID"), std::string::npos) << amb.err;
  EXPECT_EQ(run({"rm", "-f", a, b}).code, 0);
  EXPECT_EQ(run({"--root", "relative", "ps"}).code, 125);
  EXPECT_EQ(run({"run", "-d", "--restart", "sometimes", "true"}).code, 125);
  EXPECT_EQ(run({"run", "-d", "--restart", "always:3", "true"}).code, 125);
  EXPECT_EQ(run({"run", "-d", "--log-opt", "max-size=1", "true"}).code, 125);
  EXPECT_EQ(run({"run", "--rm", "true"}).code, 125);  // -d only
  EXPECT_EQ(run({"run", "-d", "/nonexistent"}).code, 127);
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");  // a failed start leaves nothing
}

TEST_F(Crash, ManyDetachedStartsAtOnce) {
  constexpr int kN = 50;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kN; i++)
    threads.emplace_back([&, i] {
      if (run({"run", "-d", "--name", "many-" + std::to_string(i), "--", "sleep", "100"}).code == 0)
        ok++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kN);
  EXPECT_EQ(std::count_if(threads.begin(), threads.end(), [](auto&) { return true; }), kN);
  auto ps = nlohmann::json::parse(run({"ps", "--format", "json"}).out);
  EXPECT_EQ(ps.size(), static_cast<size_t>(kN));
  std::vector<std::string> all = {"rm", "-f"};
  for (int i = 0; i < kN; i++) all.push_back("many-" + std::to_string(i));
  EXPECT_EQ(run(all).code, 0);
}

TEST_F(Crash, OneNameManyContenders) {
  constexpr int kN = 50;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, refused{0};
  for (int i = 0; i < kN; i++)
    threads.emplace_back([&] {
      RunResult r = run({"run", "-d", "--name", "contended", "--", "sleep", "100"});
      if (r.code == 0) ok++;
      if (r.code == 125 && r.err.find("already in use") != std::string::npos) refused++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(refused, kN - 1);
  EXPECT_EQ(run({"ps", "-a", "-q"}).out.size(), 13u);  // one container, the losers left nothing
  run({"rm", "-f", "contended"});
}

TEST_F(Crash, ManyExecsAtOnce) {
  std::string id = start({"--", "sleep", "100"});
  constexpr int kN = 50;
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int i = 0; i < kN; i++)
    threads.emplace_back([&, i] {
      RunResult r = run({"exec", id, "sh", "-c",
                         "echo " + std::to_string(i) + "; exit " + std::to_string(i % 7)});
      if (r.code == i % 7 && r.out == std::to_string(i) + "\n") right++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(right, kN);
  run({"rm", "-f", id});
}

}  // namespace
}  // namespace nucleus::testing
