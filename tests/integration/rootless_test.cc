// User namespaces: --rootless, and any non-root caller.
#include <signal.h>
#include <unistd.h>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Rootless : public IntegrationTest {};

TEST_F(Rootless, RootWithRootlessFlag) {
  RunResult r = run({"run", "--rootless", "--", "sh", "-c", "id -u; cat /proc/self/uid_map"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 2), "0\n");
  EXPECT_NE(r.out.find("0          0          1"), std::string::npos) << r.out;
}

TEST_F(Rootless, UnprivilegedDetachedAndExec) {
  RunOptions o;
  o.as_uid = 65534;
  RunResult started = run(
      {"run", "-d", "--context", probe_dir(), "--context-mode", "bind", "--", "sleep", "100"}, o);
  ASSERT_EQ(started.code, 0) << started.err;
  std::string id = started.out.substr(0, 12);
  // exec joins the user namespace first, then the PID namespace (forking into it).
  RunResult in =
      run({"exec", id, "sh", "-c", "id -u; echo $$; grep Seccomp: /proc/self/status"}, o);
  EXPECT_EQ(in.code, 0) << in.err;
  EXPECT_EQ(in.out.substr(0, 2), "0\n") << in.out;
  EXPECT_NE(in.out.find("Seccomp:\t2"), std::string::npos) << in.out;
  EXPECT_EQ(run({"exec", id, "sh", "-c", "exit 9"}, o).code, 9);
  EXPECT_EQ(run({"exec", id, "/nonexistent"}, o).code, 127);
  RunOptions sig = o;
  sig.signal_after_ready = SIGUSR1;  // passed on by the process that forked into the namespace
  EXPECT_EQ(run({"exec", id, "/context/probe", "wait-signal"}, sig).code, 100 + SIGUSR1);
  std::string ps = run({"exec", id, "ps", "-o", "pid,stat,comm"}, o).out;
  EXPECT_EQ(ps.find(" Z "), std::string::npos) << ps;  // no zombie left by the failed exec
  RunResult root_view = run({"ps", "-q"});
  EXPECT_EQ(root_view.out.find(id), std::string::npos);  // its own state root, not root's
  EXPECT_EQ(run({"rm", "-f", id}, o).code, 0);
  EXPECT_EQ(run({"ps", "-a", "-q"}, o).out, "");
}

TEST_F(Rootless, UnprivilegedCallerIsRootInside) {
  RunOptions o;
  o.as_uid = 65534;
  RunResult raw;
  auto j = probe({}, {"write=/tmp/x", "write=/usr/x", "syscall=mount"}, &raw, o);
  EXPECT_EQ(raw.code, 0) << raw.err;
  EXPECT_EQ(j["uid"], 0);
  EXPECT_EQ(j["pid"], 1);
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
  EXPECT_EQ(j["seccomp"], "2");
  EXPECT_EQ(j["checks"]["write=/tmp/x"], 0);
  EXPECT_NE(j["checks"]["write=/usr/x"], 0);
  EXPECT_NE(j["checks"]["syscall=mount"], 0);
  RunResult id = run({"run", "--", "cat", "/proc/self/uid_map"}, o);
  EXPECT_NE(id.out.find("0      65534          1"), std::string::npos) << id.out;
}

TEST_F(Rootless, UnprivilegedLimitsFailClearly) {
  RunOptions o;
  o.as_uid = 65534;
  RunResult r = run({"run", "--memory", "64m", "--", "true"}, o);
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("cgroup"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nucleus::testing
