// run --init: nucleus's init is PID 1, the command PID 2; orphans are reaped, signals sent to
// the container reach the command, and the container ends with the command's status.
#include "detached.h"

namespace nucleus::testing {
namespace {

class Init : public IntegrationTest {};

TEST_F(Init, TheCommandRunsUnderAnInitThatReaps) {
  // An orphan (the inner sh's sleep) ends up the init's child; once it has exited, no zombie
  // is left (the init reaped it), and the command's own status is the container's.
  RunResult r = run({"run", "--init", "--", "sh", "-c",
                     "echo $$; sh -c 'sleep 0.1 &'; sleep 0.5; "
                     "grep -l '^State:.Z' /proc/[0-9]*/status | wc -l; exit 7"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out, "2\n0\n");
  RunResult plain = run({"run", "--", "sh", "-c", "echo $$"});
  EXPECT_EQ(plain.out, "1\n");  // without --init the command is PID 1 (as docker run)
  // Killed by a signal: 128+N, as without the init.
  EXPECT_EQ(run({"run", "--init", "--", "sh", "-c", "kill -KILL $$"}).code, 137);
  EXPECT_EQ(run({"run", "--init", "--", "/nonexistent"}).code, 127);
}

// A shell as PID 1 ignores SIGTERM without a trap; under the init it is PID 2 and dies of it.
TEST_F(Init, SignalsReachTheCommand) {
  std::string id = start({"--init", "--", "sh", "-c", "while :; do sleep 0.1; done"});
  EXPECT_EQ(run({"kill", "-s", "TERM", id}).code, 0);
  RunResult w = run({"wait", id});
  EXPECT_EQ(w.out, "143\n") << w.err;
  EXPECT_EQ(run({"rm", id}).code, 0);
  expect_run_refused({"--init", "--runtime", "gvisor"}, "--init: the native runtime only");
}

}  // namespace
}  // namespace nucleus::testing
