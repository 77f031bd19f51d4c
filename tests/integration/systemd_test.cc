// nucleus under systemd: run --sd-notify tells NOTIFY_SOCKET READY=1 once the command runs, and
// `nucleus generate systemd` writes a unit whose ExecStart line runs the container.
#include <unistd.h>

#include "harness.h"
#include "notify_socket.h"

namespace nucleus::testing {
namespace {

class Systemd : public IntegrationTest {
 protected:
  TempDir tmp;
};

TEST_F(Systemd, SdNotifyTellsReadyOnceTheCommandRuns) {
  NotifySocket sock(tmp.path() + "/notify");
  RunOptions o;
  o.env = {sock.env()};
  RunResult r = run({"run", "--sd-notify", "--", "sh", "-c", "echo ${NOTIFY_SOCKET:-unset}"}, o);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "unset\n");  // the workload does not get systemd's socket
  std::string msg = sock.receive();
  EXPECT_EQ(msg.substr(0, 16), "READY=1\nMAINPID=") << msg;
  EXPECT_EQ(sock.receive(), "");  // once
  // Without NOTIFY_SOCKET (not under systemd) it runs all the same.
  EXPECT_EQ(run({"run", "--sd-notify", "--", "true"}).code, 0);
  expect_run_refused({"--sd-notify", "-d"}, "--sd-notify goes with a foreground run");
}

// systemd's unquoting of an Exec= line: words, "..." with C escapes, %% and $$.
std::vector<std::string> exec_words(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') i++;
    if (i == line.size()) break;
    std::string w;
    bool quoted = line[i] == '"';
    if (quoted) i++;
    for (; i < line.size() && (quoted ? line[i] != '"' : line[i] != ' '); i++) {
      char c = line[i];
      if (c == '\\' && i + 1 < line.size())
        c = line[++i] == 'n' ? '\n' : line[i];
      else if ((c == '%' || c == '$') && i + 1 < line.size() && line[i + 1] == c)
        i++;
      w += c;
    }
    if (quoted) i++;
    out.push_back(w);
  }
  return out;
}

TEST_F(Systemd, TheGeneratedUnitRunsTheContainer) {
  RunResult gen = run({"generate", "systemd", "--name", "web", "--memory", "64m", "-e",
                       "A=1 $x 50% \"q\"", "--", "sh", "-c", "echo \"$A\""});
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string& unit = gen.out;
  for (const char* line :
       {"Type=notify\n", "Restart=on-failure\n", "Delegate=yes\n", "SyslogIdentifier=nucleus-web\n",
        "NoNewPrivileges=yes\n", "StandardOutput=journal\n", "WantedBy=multi-user.target\n"})
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  if (::access("/usr/bin/systemd-analyze", X_OK) == 0) {
    std::string file = tmp.file("nucleus-web.service", unit);
    std::string out = tmp.path() + "/verify.out";
    int rc = system(("systemd-analyze verify " + file + " >" + out + " 2>&1").c_str());
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(system(("test ! -s " + out).c_str()), 0) << "systemd-analyze had warnings";
  }
  size_t at = unit.find("\nExecStart=");
  ASSERT_NE(at, std::string::npos);
  at += 11;
  auto words = exec_words(unit.substr(at, unit.find('\n', at) - at));
  ASSERT_GT(words.size(), 3u);
  EXPECT_EQ(access(words[0].c_str(), X_OK), 0) << words[0];  // this nucleus, by absolute path
  words.erase(words.begin());
  NotifySocket sock(tmp.path() + "/notify");
  RunOptions o;
  o.env = {sock.env()};
  RunResult r = run(words, o);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1 $x 50% \"q\"\n");
  EXPECT_EQ(sock.receive().substr(0, 8), "READY=1\n");
}

TEST_F(Systemd, GenerateRefusesWhatSystemdDoesItself) {
  for (const auto& [args, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"generate", "systemd", "--", "true"}, "needs --name NAME"},
           {{"generate", "systemd", "--name", "w", "-d", "--", "true"}, "no -d, --rm, --restart"},
           {{"generate", "systemd", "--name", "w", "--restart", "always", "--", "true"},
            "no -d, --rm, --restart"},
           {{"generate", "systemd", "--name", "w", "--memory", "lots", "--", "true"}, "lots"},
           {{"generate", "unit"}, "usage: nucleus generate systemd"}})
    expect_refused(args, needle);
}

}  // namespace
}  // namespace nucleus::testing
