// nucleus run --seccomp-mode trace: a traced run, `nucleus seccomp generate` and `nucleus
// landlock generate`, and what they generate running the same program (and, one call or one
// path short, not running it).
#include <algorithm>
#include <filesystem>

#include "detached.h"
#include "security/landlock.h"
#include "spec/seccomp_trace.h"
#include "util/fs.h"

namespace nucleus::testing {
namespace {

fs::Kind kind(const std::string& path) {
  auto k = fs::kind_of(path);
  return k ? *k : fs::Kind::kOther;
}

class SeccompTrace : public IntegrationTest {
 protected:
  spec::TraceLog read_log(const std::string& path) {
    auto text = fs::read_file(path);
    EXPECT_TRUE(text) << path;
    auto log = spec::parse_trace_log(text ? *text : "", path);
    EXPECT_TRUE(log) << (log ? "" : log.error().what());
    return log ? *log : spec::TraceLog{};
  }
  TempDir tmp;
};

// A shell that reads a file, lists a directory and writes what it found.
const std::vector<std::string> kProgram = {
    "sh", "-c", "read h </etc/hostname && ls / >/dev/null && echo \"host $h\""};

std::vector<std::string> run_args(std::vector<std::string> flags) {
  std::vector<std::string> args = {"run", "--hostname", "traced"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back("--");
  args.insert(args.end(), kProgram.begin(), kProgram.end());
  return args;
}

TEST_F(SeccompTrace, TheGeneratedProfileRunsWhatWasTracedAndNoLess) {
  std::string log = tmp.path() + "/trace.json", profile = tmp.path() + "/profile.json";
  RunResult traced = run(run_args({"--seccomp-mode", "trace", "--seccomp-log", log}));
  ASSERT_EQ(traced.code, 0) << traced.err;
  EXPECT_EQ(traced.out, "host traced\n");
  spec::TraceLog t = read_log(log);
  EXPECT_TRUE(t.complete);
  EXPECT_EQ(t.command, kProgram);
  for (const char* call : {"openat", "getdents64", "write", "read"})
    EXPECT_GT(t.syscalls[call], 0u) << call;
  EXPECT_EQ(t.syscalls.count("execve"), 0u);  // nucleus's own: allowed, not traced

  RunResult gen = run({"seccomp", "generate", log, "-o", profile});
  ASSERT_EQ(gen.code, 0) << gen.err;
  RunResult enforced = run(run_args({"--seccomp-profile", profile}));
  EXPECT_EQ(enforced.code, 0) << enforced.err;
  EXPECT_EQ(enforced.out, "host traced\n");

  // One call short (openat: nothing can be opened, not /etc/hostname, nor a library), the same
  // run fails.
  auto j = nlohmann::json::parse(*fs::read_file(profile));
  auto& names = j["syscalls"][0]["names"];
  names.erase(std::find(names.begin(), names.end(), "openat"));
  std::string shorter = tmp.file("shorter.json", j.dump());
  RunResult denied = run(run_args({"--seccomp-profile", shorter}));
  EXPECT_NE(denied.code, 0) << denied.out;
  EXPECT_EQ(denied.out, "") << denied.err;
}

// A detached run is traced by its monitor; the log is complete once it has exited, and exec'd
// commands are neither traced nor held up.
TEST_F(SeccompTrace, DetachedRunsAndExec) {
  std::string log = tmp.path() + "/trace.json";
  std::string id = start({"--seccomp-mode", "trace", "--seccomp-log", log, "--", "sh", "-c",
                          "trap 'exit 3' TERM; echo trapped; while :; do sleep 0.1; done"});
  ASSERT_TRUE(wait_for_log(id, "trapped"));
  EXPECT_FALSE(read_log(log).complete);
  RunResult exec = run({"exec", id, "grep", "^Seccomp:", "/proc/self/status"});
  EXPECT_EQ(exec.code, 0) << exec.err;
  EXPECT_EQ(exec.out, "Seccomp:\t0\n");
  EXPECT_EQ(run({"stop", "-t", "5", id}).code, 0);
  RunResult waited = run({"wait", id});
  EXPECT_EQ(waited.out, "3\n") << waited.err;
  spec::TraceLog t = read_log(log);
  EXPECT_TRUE(t.complete);
  EXPECT_GT(t.syscalls["nanosleep"] + t.syscalls["clock_nanosleep"], 0u);
  EXPECT_GT(t.syscalls["wait4"], 0u);
  EXPECT_EQ(run({"rm", id}).code, 0);
}

TEST_F(SeccompTrace, BadInputIsRefused) {
  std::string log = tmp.path() + "/trace.json";
  std::string link = tmp.path() + "/link.json";
  ASSERT_EQ(symlink("/etc/passwd", link.c_str()), 0);
  std::string profile = tmp.file("p.json", R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  for (const auto& [flags, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--seccomp-mode", "audit"}, "--seccomp-mode audit: want enforce or trace"},
           {{"--seccomp-mode", "trace"}, "needs --seccomp-log FILE"},
           {{"--seccomp-log", log}, "--seccomp-log goes with --seccomp-mode trace"},
           {{"--seccomp-mode", "trace", "--seccomp-log", log, "--seccomp-profile", profile},
            "takes no --seccomp-profile"},
           {{"--seccomp-mode", "trace", "--seccomp-log", log, "--runtime", "gvisor"},
            "gVisor sandboxes have their own kernel"},
           {{"--seccomp-mode", "trace", "--seccomp-log", tmp.path() + "/no/trace.json"},
            "is a missing, not a directory"},
           {{"--seccomp-mode", "trace", "--seccomp-log", link}, "is a symlink, not a regular file"},
           {{"--seccomp-mode", "trace", "--seccomp-log", tmp.path()},
            "is a directory, not a regular file"},
       })
    expect_run_refused(flags, needle);
  EXPECT_EQ(kind(link), fs::Kind::kSymlink);  // neither followed nor replaced
  EXPECT_EQ(kind(log), fs::Kind::kMissing);

  std::string unfinished =
      tmp.file("unfinished.json", spec::trace_log_json(spec::TraceLog{{"true"}, false, {}, {}}));
  for (const auto& [file, needle] : std::vector<std::pair<std::string, std::string>>{
           {unfinished, "the traced run has not ended"},
           {profile, "not a nucleus seccomp trace"},
           {tmp.path() + "/missing.json", "missing.json"},
           {link, "link.json"}})
    expect_refused({"seccomp", "generate", file, "-o", tmp.path() + "/out.json"}, needle);
  EXPECT_EQ(kind(tmp.path() + "/out.json"), fs::Kind::kMissing);
  std::string no_paths =
      tmp.file("no_paths.json", spec::trace_log_json(spec::TraceLog{{"true"}, true, {}, {}}));
  for (const auto& [file, needle] : std::vector<std::pair<std::string, std::string>>{
           {unfinished, "the traced run has not ended"},
           {no_paths, "the trace names no paths"},
           {profile, "not a nucleus seccomp trace"}})
    expect_refused({"landlock", "generate", file, "-o", tmp.path() + "/out.toml"}, needle);
  EXPECT_EQ(kind(tmp.path() + "/out.toml"), fs::Kind::kMissing);
}

// The same trace names the files: the policy made of it runs the program, and without the rule
// for the one file it reads, the same run fails.
TEST_F(SeccompTrace, TheGeneratedLandlockPolicyRunsWhatWasTracedAndNoLess) {
  if (security::landlock::probe_abi() == 0) GTEST_SKIP() << "needs a kernel with Landlock";
  std::string log = tmp.path() + "/trace.json", policy = tmp.path() + "/landlock.toml";
  RunResult traced = run(run_args({"--seccomp-mode", "trace", "--seccomp-log", log}));
  ASSERT_EQ(traced.code, 0) << traced.err;
  spec::TraceLog t = read_log(log);
  namespace ll = security::landlock;
  EXPECT_EQ(t.paths["/etc/hostname"], ll::kReadFile);
  EXPECT_EQ(t.paths["/"], ll::kReadDir);  // ls /
  auto executed = [&](const std::string& suffix) {
    return std::any_of(t.paths.begin(), t.paths.end(), [&](auto& p) {
      return p.first.ends_with(suffix) && p.second == (ll::kExecute | ll::kReadFile);
    });
  };
  EXPECT_TRUE(executed("/dash") || executed("/sh") || executed("/busybox"));  // run by nucleus
  if (std::filesystem::exists("/usr/bin/ls") && !std::filesystem::is_symlink("/usr/bin/ls")) {
    EXPECT_TRUE(executed("/ls"));                    // run by the shell (not busybox's applet)
    EXPECT_TRUE(executed("/ld-linux-x86-64.so.2"));  // what runs them (dynamically linked)
  }
  // Only the rights this kernel's Landlock handles: the policy runs where it was traced.
  for (const auto& [path, rights] : t.paths)
    EXPECT_EQ(rights & ~ll::handled_fs(ll::probe_abi()), 0u) << path;

  RunResult gen = run({"landlock", "generate", log, "-o", policy});
  ASSERT_EQ(gen.code, 0) << gen.err;
  std::string text = *fs::read_file(policy);
  RunResult enforced = run(run_args({"--landlock-policy", policy}));
  EXPECT_EQ(enforced.code, 0) << enforced.err << text;
  EXPECT_EQ(enforced.out, "host traced\n");

  const std::string rule = "\n[[paths]]\npath = \"/etc/hostname\"\naccess = [\"read_file\"]\n";
  size_t at = text.find(rule);
  ASSERT_NE(at, std::string::npos) << text;
  std::string shorter = tmp.file("shorter.toml", text.erase(at, rule.size()));
  RunResult denied = run(run_args({"--landlock-policy", shorter}));
  EXPECT_NE(denied.code, 0) << denied.out;
  EXPECT_EQ(denied.out, "");
  EXPECT_NE(denied.err.find("Permission denied"), std::string::npos) << denied.err;
}

}  // namespace
}  // namespace nucleus::testing
