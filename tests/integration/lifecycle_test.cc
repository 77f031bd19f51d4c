// ps and gc: a foreground sandbox is listed while it runs; a nucleus killed with SIGKILL leaves
// a dead entry that gc removes with everything else it left.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Lifecycle : public IntegrationTest {};

// Waits until `nucleus ps` lists a container called `name`; returns ps's output.
std::string wait_listed(const std::string& name) {
  std::string out;
  for (int i = 0; i < 300 && out.find(name) == std::string::npos; i++) {
    out = run({"ps"}).out;
    usleep(10000);
  }
  return out;
}

TEST_F(Lifecycle, PsListsARunningSandbox) {
  pid_t pid = spawn({"run", "--name", "listed", "--", "sleep", "2"});
  std::string out = wait_listed("listed");
  EXPECT_NE(out.find("listed"), std::string::npos) << out;
  EXPECT_NE(out.find("running"), std::string::npos) << out;
  EXPECT_NE(out.find("sleep 2"), std::string::npos) << out;
  RunResult logs = run({"logs", "listed"});
  EXPECT_EQ(logs.code, 125);
  EXPECT_NE(logs.err.find("runs in the foreground"), std::string::npos) << logs.err;
  auto json = nlohmann::json::parse(run({"ps", "--format", "json"}).out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["name"], "listed");
  EXPECT_EQ(json[0]["id"].get<std::string>().size(), 64u);
  int st;
  waitpid(pid, &st, 0);
  EXPECT_EQ(WEXITSTATUS(st), 0);
  EXPECT_EQ(run({"ps", "-q"}).out, "");
}

TEST_F(Lifecycle, GcCollectsAfterAKilledNucleus) {
  pid_t pid = spawn({"run", "--name", "victim", "--memory", "64m", "--", "sleep", "30"});
  wait_listed("victim");
  kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
  std::string ps = run({"ps", "-a"}).out;
  EXPECT_NE(ps.find("dead"), std::string::npos) << ps;
  EXPECT_EQ(run({"ps"}).out.find("victim"), std::string::npos);
  RunResult gc = run({"gc"});
  EXPECT_EQ(gc.code, 0) << gc.err;
  EXPECT_EQ(gc.out.size(), 65u) << gc.out;  // one full ID and a newline
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");
  // The name is free again; the fixture checks that no cgroup, state or process is left.
  EXPECT_EQ(run({"run", "--name", "victim", "--", "true"}).code, 0);
}

TEST_F(Lifecycle, GcCollectsOrphanCgroupsOnlyWhenOld) {
  // A nucleus killed between creating its cgroup and registering its state leaves a cgroup
  // that no state names.
  std::string id(64, '7');
  std::string parent = cgroup_v2() ? "/sys/fs/cgroup/nucleus" : "/sys/fs/cgroup/pids/nucleus";
  mkdir(parent.c_str(), 0755);
  ASSERT_EQ(mkdir((parent + "/" + id).c_str(), 0755), 0);
  EXPECT_EQ(run({"gc"}).out, "");  // young: might be a sandbox starting right now
  RunOptions o;
  o.env = {"NUCLEUS_TEST_ORPHAN_AGE=0"};
  EXPECT_EQ(run({"gc"}, o).out, id + "\n");
  EXPECT_NE(access((parent + "/" + id).c_str(), F_OK), 0);
}

TEST_F(Lifecycle, GcLeavesRunningSandboxesAlone) {
  pid_t pid = spawn({"run", "--name", "alive", "--", "sleep", "1"});
  wait_listed("alive");
  RunResult gc = run({"gc"});
  EXPECT_EQ(gc.out, "");
  EXPECT_NE(run({"ps"}).out.find("alive"), std::string::npos);
  int st;
  waitpid(pid, &st, 0);
}

}  // namespace
}  // namespace nucleus::testing
