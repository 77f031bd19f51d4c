// The paths of a --seccomp-log and the policy `nucleus landlock generate` makes of them.
#include "spec/landlock_generate.h"

#include <gtest/gtest.h>

#include "security/landlock.h"
#include "spec/landlock_policy.h"

namespace nucleus::spec {
namespace {

namespace ll = security::landlock;

TEST(LandlockTrace, PathsRoundTripInTheLog) {
  TraceLog log{{"cat", "/etc/x"}, true, {{"read", 1}}, {{"/etc/x", ll::kReadFile | ll::kTruncate}}};
  std::string text = trace_log_json(log);
  EXPECT_NE(text.find(R"("/etc/x": [)"), std::string::npos) << text;
  auto back = parse_trace_log(text, "t.json");
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->paths, log.paths);
  // A log of an older nucleus has no paths; that is no error.
  auto old = parse_trace_log(
      R"({"nucleusSeccompTrace": 1, "architecture": "SCMP_ARCH_X86_64", "syscalls": {}})", "t");
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->paths.empty());
}

TEST(LandlockTrace, BadPathsAreRefused) {
  const std::string head =
      R"({"nucleusSeccompTrace": 1, "architecture": "SCMP_ARCH_X86_64", "syscalls": {}, )";
  struct Case {
    const char* paths;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {R"("paths": [])", "t.json: paths wants an object"},
           {R"("paths": {"etc": ["read_file"]})", "t.json: paths: 'etc' is not an absolute path"},
           {R"("paths": {"/etc": "read_file"})", "t.json: paths./etc wants a list of rights"},
           {R"("paths": {"/etc": ["fly"]})", "t.json: paths./etc: unknown Landlock right \"fly\""},
       }) {
    auto r = parse_trace_log(head + c.paths + "}", "t.json");
    ASSERT_FALSE(r) << c.paths;
    EXPECT_EQ(r.error().what(), std::string(c.error)) << c.paths;
  }
}

// Each traced path becomes a rule nucleus loads; what a directory's rule covers is left out.
TEST(LandlockTrace, ThePolicyAllowsWhatWasTraced) {
  TraceLog log;
  log.command = {"sh", "-c", "cat /etc/x\n"};
  log.complete = true;
  log.paths = {{"/etc/x", ll::kReadFile},   {"/srv", ll::kReadFile | ll::kReadDir},
               {"/srv/a", ll::kReadFile},  // covered by /srv
               {"/srv/b", ll::kWriteFile},  {"/tmp", ll::kMakeReg | ll::kWriteFile | ll::kTruncate},
               {"/tmp/\"q\"", ll::kExecute}};
  std::string text = generate_landlock_policy(log);
  EXPECT_EQ(text.rfind("# nucleus landlock generate, from a traced run of: sh -c cat /etc/x \n", 0),
            0u)
      << text;
  auto pol = parse_landlock_policy(text, "generated");
  ASSERT_TRUE(pol) << pol.error().what() << "\n" << text;
  EXPECT_FALSE(pol->defaults);
  EXPECT_EQ(pol->min_abi, 3);  // truncate
  std::map<std::string, uint64_t> rules;
  for (const auto& r : pol->paths) rules[r.path] = r.access;
  EXPECT_EQ(rules, (std::map<std::string, uint64_t>{
                       {"/etc/x", ll::kReadFile},
                       {"/srv", ll::kReadFile | ll::kReadDir},
                       {"/srv/b", ll::kWriteFile},
                       {"/tmp", ll::kMakeReg | ll::kWriteFile | ll::kTruncate},
                       {"/tmp/\"q\"", ll::kExecute}}));
  log.paths = {{"/bin/true", ll::kExecute}};
  EXPECT_NE(generate_landlock_policy(log).find("abi = 1\n"), std::string::npos);
}

}  // namespace
}  // namespace nucleus::spec
