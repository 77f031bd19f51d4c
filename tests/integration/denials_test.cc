// Seccomp kills and Landlock denials reported: on a foreground run's stderr, in a detached
// container's event log, each container's own only (its audit session, its Landlock domain).
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "audit_switch.h"
#include "detached.h"
#include "security/landlock.h"

namespace nucleus::testing {
namespace {

class Denials : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (!std::filesystem::exists("/proc/self/sessionid")) GTEST_SKIP() << "no audit here";
  }
};

std::vector<nlohmann::json> events_of(const std::string& id, const std::string& type) {
  std::vector<nlohmann::json> out;
  for (const auto& line : split_lines(run({"events", id}).out)) {
    auto e = nlohmann::json::parse(line);
    if (e["type"] == type) out.push_back(e);
  }
  return out;
}

// The events of that type, once there are some (up to 5 s).
std::vector<nlohmann::json> wait_for_events(const std::string& id, const std::string& type) {
  std::vector<nlohmann::json> found;
  for (int i = 0; i < 100 && found.empty(); i++) {
    usleep(50000);
    found = events_of(id, type);
  }
  return found;
}

TEST_F(Denials, AForegroundRunSaysWhichCallKilledWhat) {
  // The probe makes the call in a child, which the default profile kills (SIGSYS).
  RunResult r = run({"run", "--context", probe_dir(), "--context-mode", "bind", "--",
                     "/context/probe", "syscall=unlisted"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("seccomp killed probe (pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("system call tuxcall is not allowed"), std::string::npos) << r.err;
  // A run without a denial says nothing of the kind.
  RunResult clean = run({"run", "--", "true"});
  EXPECT_EQ(clean.err, "");
}

TEST_F(Denials, TheEventLogHasEachContainersOwn) {
  std::string other = start_with_probe();
  std::string own = start({"--context", probe_dir(), "--context-mode", "bind", "--", "sh", "-c",
                           "/context/probe syscall=unlisted >/dev/null; sleep 100"});
  auto kills = wait_for_events(own, "seccomp-kill");
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0]["syscall"], "tuxcall");
  EXPECT_EQ(kills[0]["comm"], "probe");
  EXPECT_EQ(kills[0]["exe"], "/context/probe");
  EXPECT_EQ(kills[0]["signal"], SIGSYS);
  EXPECT_GT(kills[0]["pid"].get<int>(), 1);
  EXPECT_TRUE(events_of(other, "seccomp-kill").empty());
  // An exec'd command has a session of its own: its kills go to the exec's stderr.
  RunResult exec = run({"exec", other, "/context/probe", "syscall=unlisted"});
  EXPECT_EQ(exec.code, 0) << exec.err;
  EXPECT_NE(exec.err.find("system call tuxcall is not allowed"), std::string::npos) << exec.err;
  EXPECT_TRUE(events_of(other, "seccomp-kill").empty());
  EXPECT_EQ(events_of(own, "seccomp-kill").size(), 1u);
  // exec -d returns at once; its reporter puts the kill in the container's event log.
  EXPECT_EQ(run({"exec", "-d", other, "/context/probe", "syscall=unlisted"}).code, 0);
  auto later = wait_for_events(other, "seccomp-kill");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]["syscall"], "tuxcall");
  EXPECT_EQ(events_of(own, "seccomp-kill").size(), 1u);
  RunResult bad = run({"exec", "-d", other, "/nonexistent"});  // the reporter's error, reported
  EXPECT_EQ(bad.code, 127) << bad.err;
  EXPECT_NE(bad.err.find("nonexistent"), std::string::npos) << bad.err;
  EXPECT_EQ(run({"rm", "-f", other, own}).code, 0);
}

// The default rules let /dev's nodes be used, not made: a file made there is refused by Landlock
// (/dev is a writable tmpfs; nothing else refuses it).
constexpr const char* kRefused = "/dev/denied";

TEST_F(Denials, LandlockDenialsAreReportedWhereAuditIsOn) {
  if (security::landlock::probe_abi() < 7) GTEST_SKIP() << "Landlock audit needs ABI 7 (6.15)";
  AuditSwitch audit;
  if (!audit.why_not().empty()) GTEST_SKIP() << audit.why_not();
  std::string write = std::string("write=") + kRefused;
  RunResult r = run(
      {"run", "--context", probe_dir(), "--context-mode", "bind", "--", "/context/probe", write});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"" + write + "\":13"), std::string::npos) << r.out;  // EACCES
  EXPECT_NE(r.err.find("landlock denied probe (pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fs.make_reg: path=/dev "), std::string::npos) << r.err;
  // What the rules allow is not reported.
  RunResult allowed = run({"run", "--", "cat", "/etc/hostname"});
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_EQ(allowed.err.find("landlock"), std::string::npos) << allowed.err;

  std::string other = start_with_probe();
  std::string own = start({"--context", probe_dir(), "--context-mode", "bind", "--", "sh", "-c",
                           "/context/probe " + write + " >/dev/null; sleep 100"});
  auto denied = wait_for_events(own, "landlock-denial");
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0]["blockers"], nlohmann::json::array({"fs.make_reg"})) << denied[0];
  EXPECT_EQ(denied[0]["path"], "/dev");  // where the file would have been made
  EXPECT_EQ(denied[0]["comm"], "probe");
  EXPECT_EQ(denied[0]["syscall"], "openat");
  EXPECT_TRUE(events_of(other, "landlock-denial").empty());
  // An exec'd command creates a domain of its own, reported by its reporter (exec -d).
  EXPECT_EQ(run({"exec", "-d", other, "/context/probe", write}).code, 0);
  auto later = wait_for_events(other, "landlock-denial");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]["path"], "/dev");
  EXPECT_EQ(events_of(own, "landlock-denial").size(), 1u);
  EXPECT_EQ(run({"rm", "-f", other, own}).code, 0);
}

}  // namespace
}  // namespace nucleus::testing
