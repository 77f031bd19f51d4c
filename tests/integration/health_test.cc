// Health and readiness checks: --health-cmd's verdict in ps and inspect (and the event log), an
// unhealthy container stopped and handed to its restart policy, the start period, timed-out
// checks that leave nothing behind, --readiness-tcp/-exec and READY=1 only once ready.
#include <chrono>
#include <functional>

#include "detached.h"
#include "notify_socket.h"
#include "security/landlock.h"

namespace nucleus::testing {
namespace {

class Health : public IntegrationTest {};

nlohmann::json state_of(const std::string& ref) {
  auto in = nlohmann::json::parse(run({"inspect", ref}).out);
  return in.empty() ? nlohmann::json::object() : in[0]["state"];
}

// Polls `what` every 50 ms for up to seconds; true once it holds.
bool eventually(double seconds, const std::function<bool()>& what) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (what()) return true;
    usleep(50000);
  }
  return what();
}

std::string health_of(const std::string& ref) {
  auto st = state_of(ref);
  return st["health"].is_object() ? st["health"]["status"].get<std::string>() : "";
}

// A workload that leaves at once, with 0, on SIGTERM (PID 1 has no default action for it).
const std::vector<std::string> kPolite = {"--", "sh", "-c",
                                          "trap 'exit 0' TERM; echo trapped; sleep 100 & wait"};

std::vector<std::string> with(std::vector<std::string> flags, const std::vector<std::string>& cmd) {
  flags.insert(flags.end(), cmd.begin(), cmd.end());
  return flags;
}

TEST_F(Health, AHealthyContainerSaysSoInPsInspectAndEvents) {
  std::string id = start({"--name", "hc", "--health-cmd",
                          "test -e /tmp/up && printf 'fine\\377\\n'", "--health-interval", "200ms",
                          "--", "sh", "-c", "sleep 0.5; touch /tmp/up; sleep 100"});
  EXPECT_EQ(health_of(id), "starting");
  ASSERT_TRUE(eventually(10, [&] { return health_of(id) == "healthy"; })) << state_of(id);
  auto h = state_of(id)["health"];
  EXPECT_EQ(h["failing_streak"], 0);
  ASSERT_FALSE(h["log"].empty());
  EXPECT_LE(h["log"].size(), 5u);
  EXPECT_EQ(h["log"].back()["exit_code"], 0);
  EXPECT_EQ(h["log"].back()["output"], "fine?\n");  // the state is JSON: UTF-8 only
  EXPECT_NE(run({"ps"}).out.find("running (healthy)"), std::string::npos) << run({"ps"}).out;
  EXPECT_EQ(nlohmann::json::parse(run({"ps", "--format", "json"}).out)[0]["health"], "healthy");
  std::string events = run({"events", id}).out;
  EXPECT_NE(events.find("\"type\":\"health-status\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"status\":\"healthy\""), std::string::npos) << events;
  // Without --health-cmd there is no health to report.
  std::string plain = start({"--", "sleep", "100"});
  EXPECT_TRUE(state_of(plain)["health"].is_null());
  EXPECT_EQ(run({"rm", "-f", id, plain}).code, 0);
}

TEST_F(Health, AnUnhealthyContainerIsRestartedByItsPolicy) {
  // Healthy while /tmp/bad is missing; each run starts with a fresh /tmp.
  std::string id = start(with({"--restart", "on-failure:1", "--health-cmd", "test ! -e /tmp/bad",
                               "--health-interval", "500ms", "--health-retries", "2"},
                              kPolite));
  ASSERT_TRUE(wait_for_log(id, "trapped"));
  ASSERT_TRUE(eventually(10, [&] { return health_of(id) == "healthy"; })) << state_of(id);
  pid_t first = state_of(id)["pid"].get<pid_t>();
  EXPECT_EQ(run({"exec", id, "touch", "/tmp/bad"}).code, 0);
  // interval x retries = 1 s, and the restart's backoff; well within 10 s.
  ASSERT_TRUE(eventually(10, [&] { return state_of(id)["restart_count"] == 1; })) << state_of(id);
  EXPECT_TRUE(process_gone(first));
  // It exited 0 when told to stop, yet on-failure restarted it: unhealthy is a failure.
  ASSERT_TRUE(eventually(10, [&] { return state_of(id)["status"] == "running"; }));
  EXPECT_EQ(state_of(id)["exit_code"], 0);
  EXPECT_TRUE(eventually(10, [&] { return health_of(id) == "healthy"; })) << state_of(id);
  EXPECT_NE(run({"events", id}).out.find("\"status\":\"unhealthy\""), std::string::npos);
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

TEST_F(Health, WithoutARestartPolicyAnUnhealthyContainerIsStopped) {
  std::string id = start(with(
      {"--health-cmd", "false", "--health-interval", "200ms", "--health-retries", "2"}, kPolite));
  EXPECT_EQ(run({"wait", id}).out, "0\n");
  auto st = state_of(id);
  EXPECT_EQ(st["status"], "exited");
  EXPECT_EQ(st["restart_count"], 0);
  EXPECT_EQ(st["health"]["status"], "unhealthy");
  EXPECT_EQ(st["health"]["failing_streak"], 2);
  EXPECT_EQ(st["health"]["log"].back()["exit_code"], 1);
  run({"rm", id});
  // In the foreground nucleus fails, so that systemd's Restart=on-failure restarts it.
  RunResult fg = run(
      with({"run", "--health-cmd", "exit 3", "--health-interval", "200ms", "--health-retries", "2"},
           kPolite));
  EXPECT_EQ(fg.code, 1) << fg.err;
  EXPECT_NE(fg.err.find("unhealthy after 2 failed checks"), std::string::npos) << fg.err;
}

TEST_F(Health, FailuresInTheStartPeriodDoNotCount) {
  std::string id = start(with({"--health-cmd", "false", "--health-interval", "200ms",
                               "--health-retries", "1", "--health-start-period", "2s"},
                              kPolite));
  // Several checks have failed by now, none of them counted.
  ASSERT_TRUE(eventually(10, [&] { return state_of(id)["health"]["log"].size() >= 2; }));
  auto h = state_of(id)["health"];
  EXPECT_EQ(h["status"], "starting") << h;
  EXPECT_EQ(h["failing_streak"], 0) << h;
  EXPECT_EQ(run({"wait", id}).out, "0\n");  // the first one after it stops the container
  EXPECT_EQ(health_of(id), "unhealthy");
  run({"rm", id});
}

TEST_F(Health, ATimedOutCheckIsKilledWithWhatItStarted) {
  std::string id =
      start({"--health-cmd", "sleep 77", "--health-interval", "100ms", "--health-timeout", "300ms",
             "--health-retries", "1000", "--", "sleep", "100"});
  ASSERT_TRUE(eventually(15, [&] { return state_of(id)["health"]["log"].size() >= 3; }));
  auto last = state_of(id)["health"]["log"].back();
  EXPECT_EQ(last["exit_code"], -1);
  EXPECT_NE(last["output"].get<std::string>().find("timeout"), std::string::npos) << last;
  // At most the check running now is left in the container, not one per timed-out check.
  auto top = run({"top", id}).out;
  size_t sleepers = 0;
  for (size_t at = 0; (at = top.find("sleep 77", at)) != std::string::npos; at++) sleepers++;
  EXPECT_LE(sleepers, 1u) << top;
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

TEST_F(Health, ReadinessTcpWaitsForTheListener) {
  // busybox nc -ll: a server that keeps accepting (python is not in the cgroup v2 VM).
  std::string id = start({"--readiness-tcp", "8080", "--", "sh", "-c",
                          "while [ ! -e /tmp/go ]; do sleep 0.1; done; "
                          "exec busybox nc -ll -p 8080 -e busybox true"});
  usleep(500000);
  EXPECT_EQ(state_of(id)["readiness"], "waiting");
  EXPECT_NE(run({"ps"}).out.find("(not ready)"), std::string::npos) << run({"ps"}).out;
  EXPECT_EQ(nlohmann::json::parse(run({"ps", "--format", "json"}).out)[0]["ready"], false);
  EXPECT_EQ(run({"exec", id, "touch", "/tmp/go"}).code, 0);
  EXPECT_TRUE(eventually(10, [&] { return state_of(id)["readiness"] == "ready"; }));
  EXPECT_EQ(nlohmann::json::parse(run({"ps", "--format", "json"}).out)[0]["ready"], true);
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

TEST_F(Health, SdNotifySaysReadyOnlyOnceTheReadinessCheckPasses) {
  TempDir tmp;
  NotifySocket sock(tmp.path() + "/notify");
  RunOptions o;
  o.env = {sock.env()};
  RunResult never = run({"run", "--sd-notify", "--readiness-exec", "false", "--", "sleep", "1"}, o);
  EXPECT_EQ(never.code, 0) << never.err;
  EXPECT_EQ(sock.receive(), "");  // it ran, but was never ready
  RunResult ready = run({"run", "--sd-notify", "--readiness-exec", "test -e /tmp/r", "--", "sh",
                         "-c", "sleep 0.3; touch /tmp/r; sleep 1"},
                        o);
  EXPECT_EQ(ready.code, 0) << ready.err;
  EXPECT_EQ(sock.receive().substr(0, 16), "READY=1\nMAINPID=");
  EXPECT_EQ(sock.receive(), "");
}

TEST_F(Health, ReadinessSdNotifyRelaysWhatTheServiceTellsSystemd) {
  TempDir tmp;
  NotifySocket sock(tmp.path() + "/notify");
  RunOptions o;
  o.env = {sock.env()};
  // The probe plays a service that speaks sd_notify(3): a MAINPID from inside means nothing
  // outside and is dropped; its READY=1 becomes nucleus's (with nucleus's MAINPID).
  RunResult r = run({"run", "--sd-notify", "--readiness-sd-notify", "--context", probe_dir(),
                     "--context-mode", "bind", "--", "sh", "-c",
                     "/context/probe 'notify=STATUS=warming up;MAINPID=1' && sleep 0.2 && "
                     "/context/probe notify=READY=1 && sleep 0.2 && /context/probe "
                     "notify=WATCHDOG=1 && sleep 0.2"},
                    o);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(sock.receive(), "STATUS=warming up\n");
  EXPECT_EQ(sock.receive().substr(0, 16), "READY=1\nMAINPID=");
  EXPECT_EQ(sock.receive(), "WATCHDOG=1\n");
  EXPECT_EQ(sock.receive(), "");
  // Without the flag Landlock's scope keeps abstract sockets bound outside out of reach: with
  // the host's network, one of the host's.
  NotifySocket host_abstract("@nucleus-test-" + std::to_string(::getpid()));
  auto denied = probe({"--network", "host", "--allow-host-network", "-e",
                       "NOTIFY_SOCKET=@nucleus-test-" + std::to_string(::getpid())},
                      {"notify=READY=1"});
  bool scoped = security::landlock::probe_abi() >= 6;  // ABI 6 has the scope
  EXPECT_EQ(denied["checks"]["notify=READY=1"], scoped ? EPERM : 0);
  if (scoped) {
    EXPECT_EQ(host_abstract.receive(), "");
  }
  // Detached, the service's READY=1 shows in inspect.
  std::string id =
      start({"--readiness-sd-notify", "--context", probe_dir(), "--context-mode", "bind", "--",
             "sh", "-c", "sleep 0.3; /context/probe notify=READY=1; sleep 100"});
  EXPECT_EQ(state_of(id)["readiness"], "waiting");
  EXPECT_TRUE(eventually(10, [&] { return state_of(id)["readiness"] == "ready"; }));
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

TEST_F(Health, AnUnprivilegedNucleusRunsHealthChecks) {
  RunOptions o;
  o.as_uid = 65534;
  RunResult started = run({"run", "-d", "--health-cmd", "true", "--health-interval", "200ms",
                           "--readiness-exec", "true", "--", "sleep", "100"},
                          o);
  ASSERT_EQ(started.code, 0) << started.err;
  std::string id = trim(started.out);
  auto state = [&] { return nlohmann::json::parse(run({"inspect", id}, o).out)[0]["state"]; };
  EXPECT_TRUE(eventually(10, [&] {
    return state()["readiness"] == "ready" && state()["health"]["status"] == "healthy";
  })) << state();
  EXPECT_EQ(run({"rm", "-f", id}, o).code, 0);
  // What enters the container's network namespace needs root.
  RunResult tcp = run({"run", "--readiness-tcp", "80", "--", "true"}, o);
  EXPECT_EQ(tcp.code, 125);
  EXPECT_NE(tcp.err.find("needs root"), std::string::npos) << tcp.err;
}

TEST_F(Health, BadCheckOptionsAreRefused) {
  expect_run_refused({"--health-interval", "1s"}, "go with --health-cmd");
  expect_run_refused({"--health-cmd", " "}, "not a blank");
  expect_run_refused({"--readiness-exec", ""}, "not a blank");
  expect_run_refused({"--health-cmd", "true", "--health-interval", "5x"}, "not a duration");
  expect_run_refused({"--health-cmd", "true", "--health-timeout", "10ms"}, "at least 100 ms");
  expect_run_refused({"--health-cmd", "true", "--health-retries", "0"}, "--health-retries");
  expect_run_refused({"--readiness-tcp", "70000"}, "--readiness-tcp");
  expect_run_refused({"--readiness-tcp", "80", "--readiness-exec", "true"}, "one readiness check");
  expect_run_refused({"--runtime", "gvisor", "--health-cmd", "true"}, "not with --runtime gvisor");
  expect_run_refused({"--readiness-sd-notify", "--network", "host", "--allow-host-network"},
                     "not with --network host");
  expect_run_refused({"--readiness-sd-notify", "--readiness-tcp", "80"}, "one readiness check");
}

}  // namespace
}  // namespace nucleus::testing
