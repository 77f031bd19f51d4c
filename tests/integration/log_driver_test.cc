// --log-driver: json-file writes docker's format (that `nucleus logs` reads too), journald sends
// every line to the journal (a stand-in socket here) with the container's fields, and what
// cannot work is refused before anything starts.
#include <fstream>
#include <sstream>

#include "detached.h"
#include "notify_socket.h"

namespace nucleus::testing {
namespace {

class LogDriver : public IntegrationTest {};

std::string log_file_of(const std::string& id) {
  auto in = nlohmann::json::parse(run({"inspect", id}).out)[0];
  std::ifstream f(in["log_path"].get<std::string>());
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

TEST_F(LogDriver, JsonFileWritesDockersFormat) {
  std::string id = start({"--log-driver", "json-file", "--", "sh", "-c",
                          "echo out; echo err >&2; printf 'bad\\377\\n'"});
  EXPECT_EQ(run({"wait", id}).out, "0\n");
  EXPECT_EQ(nlohmann::json::parse(run({"inspect", id}).out)[0]["state"]["log_driver"], "json-file");
  std::vector<nlohmann::json> lines;
  for (const auto& line : split_lines(log_file_of(id)))
    lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  std::vector<std::string> out, err;  // the streams' order between them is the pump's
  for (const auto& l : lines) {
    EXPECT_EQ(l["time"].get<std::string>().back(), 'Z') << l;
    (l["stream"] == "stdout" ? out : err).push_back(l["log"]);
  }
  EXPECT_EQ(out, (std::vector<std::string>{"out\n", "bad?\n"}));  // JSON is UTF-8
  EXPECT_EQ(err, (std::vector<std::string>{"err\n"}));
  RunResult logs = run({"logs", id});
  EXPECT_EQ(logs.out, "out\nbad?\n");
  EXPECT_EQ(logs.err, "err\n");
  run({"rm", id});
}

TEST_F(LogDriver, JournaldSendsEveryLineWithTheContainersFields) {
  TempDir tmp;
  NotifySocket journal(tmp.path() + "/journal");  // any datagram socket stands in for journald
  RunOptions o;
  o.env = {"NUCLEUS_JOURNAL_SOCKET=" + tmp.path() + "/journal"};
  std::string id = start(
      {"--name", "web", "--log-driver", "journald", "--", "sh", "-c", "echo hello; echo oops >&2"},
      o);
  EXPECT_EQ(run({"wait", id}).out, "0\n");
  std::vector<std::string> got;
  for (int i = 0; i < 100 && got.size() < 2; i++) {
    std::string m = journal.receive();
    if (m.empty()) {
      usleep(20000);
    } else {
      got.push_back(m);
    }
  }
  ASSERT_EQ(got.size(), 2u);
  std::string out = got[0].find("MESSAGE=hello\n") != std::string::npos ? got[0] : got[1];
  std::string err = got[0].find("MESSAGE=oops\n") != std::string::npos ? got[0] : got[1];
  EXPECT_NE(out.find("MESSAGE=hello\n"), std::string::npos) << out;
  EXPECT_NE(out.find("PRIORITY=6\n"), std::string::npos) << out;
  EXPECT_NE(out.find("SYSLOG_IDENTIFIER=nucleus-web\n"), std::string::npos) << out;
  EXPECT_NE(out.find("CONTAINER_NAME=web\n"), std::string::npos) << out;
  EXPECT_NE(out.find("CONTAINER_ID_FULL=" + id + "\n"), std::string::npos) << out;
  EXPECT_NE(err.find("MESSAGE=oops\n"), std::string::npos) << err;
  EXPECT_NE(err.find("PRIORITY=3\n"), std::string::npos) << err;
  // The local copy stays, for `nucleus logs` (as docker's dual logging).
  EXPECT_EQ(run({"logs", id}).out, "hello\n");
  run({"rm", id});
}

TEST_F(LogDriver, WhatCannotWorkIsRefused) {
  TempDir tmp;
  RunOptions o;
  o.env = {"NUCLEUS_JOURNAL_SOCKET=" + tmp.path() + "/none"};
  RunResult none = run({"run", "-d", "--log-driver", "journald", "--", "true"}, o);
  EXPECT_EQ(none.code, 125);
  EXPECT_NE(none.err.find("no journal at"), std::string::npos) << none.err;
  EXPECT_EQ(run({"ps", "-a", "-q"}).out, "");  // nothing registered, nothing left
  RunResult unknown = run({"run", "-d", "--log-driver", "syslog", "--", "true"});
  EXPECT_EQ(unknown.code, 125);
  EXPECT_NE(unknown.err.find("want k8s-file, json-file or journald"), std::string::npos);
  expect_run_refused({"--log-driver", "json-file"}, "go with -d");
}

}  // namespace
}  // namespace nucleus::testing
