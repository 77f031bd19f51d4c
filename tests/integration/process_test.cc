// Exit codes, signals, stdio and the pty, as docker run users expect them.
#include <signal.h>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Process : public IntegrationTest {};

TEST_F(Process, ExitCodes) {
  EXPECT_EQ(run({"run", "--", "sh", "-c", "exit 42"}).code, 42);
  EXPECT_EQ(run({"run", "--", "true"}).code, 0);
  RunResult nf = run({"run", "--", "no-such-command"});
  EXPECT_EQ(nf.code, 127);
  EXPECT_NE(nf.err.find("no-such-command: command not found"), std::string::npos) << nf.err;
  RunResult ne = run({"run", "--", "/etc/passwd"});
  EXPECT_EQ(ne.code, 126) << ne.err;
  EXPECT_EQ(run({"run", "--no-such-flag", "--", "true"}).code, 125);
}

TEST_F(Process, KilledBySignalIs128PlusN) {
  RunResult r = run({"run", "--timeout", "1", "--", "sleep", "30"});
  EXPECT_EQ(r.code, 137);
  EXPECT_NE(r.err.find("timeout"), std::string::npos);
}

TEST_F(Process, SignalsReachTheWorkload) {
  for (int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    RunOptions o;
    o.signal_after_ready = sig;
    RunResult raw;
    probe({}, {"wait-signal"}, &raw, o);
    EXPECT_EQ(raw.code, 100 + sig) << "signal " << sig << ": " << raw.err;
  }
}

TEST_F(Process, StdinOnlyWithInteractive) {
  RunOptions o;
  o.pass_stdin = true;
  o.stdin_data = "hello\n";
  EXPECT_EQ(run({"run", "-i", "--", "cat"}, o).out, "hello\n");
  EXPECT_EQ(run({"run", "--", "cat"}, o).out, "");
}

TEST_F(Process, TtyIsARealTerminal) {
  RunResult r = run({"run", "-t", "--", "sh", "-c", "tty; test -t 0 && test -t 1 && echo both"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "/dev/pts/0\r\nboth\r\n");
}

TEST_F(Process, TtyWindowSizeIsPassedThrough) {
  RunResult r = run_on_terminal({"run", "-t", "--", "stty", "size"}, 41, 103);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("41 103"), std::string::npos) << r.out;
}

TEST_F(Process, EnvironmentWorkdirAndEnvFile) {
  TempDir d;
  std::string ef = d.file("env", "# comment\nFROM_FILE=1\n\nOVERRIDE=file\n");
  RunResult r = run({"run", "-e", "A=b c", "--env-file", ef, "-e", "OVERRIDE=flag", "-w",
                     "/tmp/work", "--", "sh", "-c", "echo $A/$FROM_FILE/$OVERRIDE/$HOME; pwd"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "b c/1/flag//root\n/tmp/work\n");
  // The caller's environment does not leak in.
  RunOptions o;
  o.env = {"LEAK_ME=1"};
  EXPECT_EQ(run({"run", "--", "sh", "-c", "echo ${LEAK_ME:-none}"}, o).out, "none\n");
  EXPECT_EQ(run({"run", "-e", "LEAK_ME", "--", "sh", "-c", "echo $LEAK_ME"}, o).out, "1\n");
}

}  // namespace
}  // namespace nucleus::testing
