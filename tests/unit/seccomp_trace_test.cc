// The --seccomp-log format and the profile `nucleus seccomp generate` makes of it.
#include "spec/seccomp_trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "security/seccomp_bpf.h"
#include "security/seccomp_oci.h"
#include "security/seccomp_profile.h"
#include "spec/seccomp_json.h"

namespace nucleus::spec {
namespace {

TEST(SeccompTrace, TheLogRoundTrips) {
  TraceLog log{{"sh", "-c", "true"}, true, {{"read", 3}, {"openat", 1}}, {}};
  auto back = parse_trace_log(trace_log_json(log), "t.json");
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->command, log.command);
  EXPECT_TRUE(back->complete);
  EXPECT_EQ(back->syscalls, log.syscalls);
}

TEST(SeccompTrace, BadLogsAreRefused) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"{", "t.json: not JSON (want the --seccomp-log of a traced run)"},
           {"[]", "t.json: not JSON (want the --seccomp-log of a traced run)"},
           {R"({"defaultAction": "SCMP_ACT_ALLOW"})",
            "t.json: not a nucleus seccomp trace of version 1 for SCMP_ARCH_X86_64"},
           {R"({"nucleusSeccompTrace": 1, "architecture": "SCMP_ARCH_AARCH64"})",
            "t.json: not a nucleus seccomp trace of version 1 for SCMP_ARCH_X86_64"},
           {R"({"nucleusSeccompTrace": 1, "architecture": "SCMP_ARCH_X86_64", "syscalls": []})",
            "t.json: syscalls wants an object"},
           {R"({"nucleusSeccompTrace": 1, "architecture": "SCMP_ARCH_X86_64",
                "syscalls": {"fly": 1}})",
            "t.json: unknown system call 'fly'"},
           {R"({"nucleusSeccompTrace": 1, "architecture": "SCMP_ARCH_X86_64",
                "syscalls": {"read": -1}})",
            "t.json: syscalls.read wants a count"},
       }) {
    auto r = parse_trace_log(c.text, "t.json");
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().what(), std::string(c.error)) << c.text;
  }
}

// The profile allows exactly the traced calls plus nucleus's own, and is one nucleus loads.
TEST(SeccompTrace, TheGeneratedProfileAllowsWhatWasTraced) {
  TraceLog log{{"true"}, true, {{"read", 3}, {"openat", 1}}, {}};
  std::string text = generate_profile(log);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(j["defaultErrnoRet"], 1);
  ASSERT_EQ(j["syscalls"].size(), 1u);
  EXPECT_EQ(j["syscalls"][0]["names"],
            nlohmann::json({"close", "execve", "exit_group", "openat", "read", "sendmsg"}));
  auto parsed = parse_seccomp(text, "profile");
  ASSERT_TRUE(parsed) << parsed.error().what();
  auto profile = security::seccomp::from_oci(*parsed);
  ASSERT_TRUE(profile) << profile.error().what();
  EXPECT_EQ(profile->syscalls.size(), 6u);
}

// Trace mode: everything but nucleus's own calls reaches the listener.
TEST(SeccompTrace, TheTraceProfileNotifiesAllButTheRuntimesCalls) {
  auto p = security::seccomp::trace_profile();
  EXPECT_EQ(p.default_action, security::seccomp::kNotify);
  ASSERT_EQ(p.syscalls.size(), security::seccomp::runtime_syscalls().size());
  for (const auto& sc : p.syscalls) EXPECT_EQ(sc.fallback, security::seccomp::kAllow);
}

}  // namespace
}  // namespace nucleus::spec
