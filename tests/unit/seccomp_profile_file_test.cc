// Seccomp profiles as JSON: Docker's includes/excludes resolved for a sandbox, and OCI profiles
// with every comparison operator compiled and loaded for real in a forked child.
#include <gtest/gtest.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/seccomp_oci.h"
#include "spec/seccomp_json.h"
#include "under_filter.h"

namespace nucleus::spec {
namespace {

using nlohmann::json;
using nucleus::testing::errno_of;
using nucleus::testing::under_filter;

// The names of the resolved profile's entries, in order.
std::vector<std::string> resolved_names(const std::string& profile, const ProfileTarget& t) {
  auto text = resolve_profile(profile, "profile", t);
  EXPECT_TRUE(text) << text.error().what();
  std::vector<std::string> out;
  if (!text) return out;
  json resolved = json::parse(*text);
  for (const auto& e : resolved["syscalls"]) out.push_back(e["names"][0]);
  return out;
}

const char* kConditional = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
  {"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
  {"names": ["b"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
  {"names": ["c"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}},
  {"names": ["d"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
  {"names": ["e"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}},
  {"names": ["f"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
  {"names": ["g"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.2"}},
  {"names": ["h"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.20"}},
  {"names": ["i"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}},
  {"name": "j", "action": "SCMP_ACT_ALLOW", "includes": {}, "excludes": {}, "comment": "one name"}
]})";

TEST(SeccompProfileFile, DockerConditionsAreResolvedForTheSandbox) {
  ProfileTarget none{{}, "amd64", "6.18.0-1-amd64"};
  EXPECT_EQ(resolved_names(kConditional, none), (std::vector<std::string>{"b", "d", "g", "j"}));
  ProfileTarget admin{{"CAP_SYS_ADMIN"}, "amd64", "6.18.0-1-amd64"};
  EXPECT_EQ(resolved_names(kConditional, admin), (std::vector<std::string>{"a", "d", "g", "j"}));
  ProfileTarget both{{"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}, "amd64", "5.4.0"};
  EXPECT_EQ(resolved_names(kConditional, both),
            (std::vector<std::string>{"a", "c", "d", "i", "j"}));
  // Docker-only fields do not reach linux.seccomp.
  auto text = resolve_profile(kConditional, "profile", none);
  ASSERT_TRUE(text);
  json resolved = json::parse(*text);
  for (const auto& e : resolved["syscalls"]) {
    EXPECT_FALSE(e.contains("includes") || e.contains("excludes") || e.contains("comment"));
  }
}

TEST(SeccompProfileFile, ErrorsNameTheField) {
  ProfileTarget t{{}, "amd64", "6.18"};
  auto bad = [&](const std::string& profile) {
    auto r = resolve_profile(profile, "profile", t);
    return r ? std::string("accepted") : r.error().what();
  };
  EXPECT_EQ(bad("{"), "profile: not valid JSON");
  EXPECT_EQ(bad("3"), "profile: want an object");
  EXPECT_EQ(bad(R"({"syscalls": []})"), "profile.defaultAction: unknown action ''");
  EXPECT_EQ(bad(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}})"),
            "profile.syscalls: want an array");
  EXPECT_EQ(bad(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
              "action": "SCMP_ACT_ERRNO", "excludes": {"caps": "CAP_X"}}]})"),
            "profile.syscalls[0].excludes.caps: want an array of strings");
  EXPECT_EQ(bad(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
              "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "SCMP_CMP_ABOUT"}]}]})"),
            "profile.syscalls[0].args[0].op: unknown comparison 'SCMP_CMP_ABOUT'");
  EXPECT_EQ(bad(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [],
              "action": "SCMP_ACT_ERRNO"}]})"),
            "profile.syscalls[0].names: want at least one name");
}

// personality(2) takes one unsigned long: each operator is checked on both sides of its edge.
TEST(SeccompProfileFile, EveryOperatorCompilesAndHolds) {
  struct Case {
    const char* op;
    uint64_t value, value_two;
    std::vector<std::pair<unsigned long, bool>> probes;  // argument, denied?
  };
  std::vector<Case> cases = {
      {"SCMP_CMP_EQ", 0x40000, 0, {{0x40000, true}, {0x40001, false}}},
      {"SCMP_CMP_NE", 0xffffffff, 0, {{0xffffffff, false}, {0x40000, true}}},
      {"SCMP_CMP_LT", 0x100, 0, {{0xff, true}, {0x100, false}}},
      {"SCMP_CMP_LE", 0x100, 0, {{0x100, true}, {0x101, false}}},
      {"SCMP_CMP_GT", 0x100, 0, {{0x101, true}, {0x100, false}}},
      {"SCMP_CMP_GE", 0x100, 0, {{0x100, true}, {0xff, false}}},
      {"SCMP_CMP_MASKED_EQ", 0xff00, 0x0400, {{0x0400, true}, {0x04ff, true}, {0x0500, false}}},
      // 64-bit: the upper half counts (a value past 2^32 is not "less than" a small one).
      {"SCMP_CMP_LT", 0x100000000, 0, {{0xffffffff, true}, {0x100000001, false}}},
  };
  for (const auto& c : cases) {
    json profile = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls",
         {{{"names", {"personality"}},
           {"action", "SCMP_ACT_ERRNO"},
           {"errnoRet", 75},
           {"args",
            {{{"index", 0}, {"value", c.value}, {"valueTwo", c.value_two}, {"op", c.op}}}}}}}};
    auto s = read_seccomp(profile, "profile");
    ASSERT_TRUE(s) << s.error().what();
    auto p = security::seccomp::from_oci(*s);
    ASSERT_TRUE(p) << p.error().what();
    auto prog = security::seccomp::compile(*p);
    for (auto [arg, denied] : c.probes) {
      int got = under_filter(prog, [arg = arg] {
        long rc = syscall(SYS_personality, arg);
        if (rc >= 0) syscall(SYS_personality, static_cast<unsigned long>(rc));  // restore
        return rc < 0 && errno == 75 ? 1 : 0;
      });
      EXPECT_EQ(got, denied ? 1 : 0) << c.op << " " << std::hex << c.value << " arg " << arg;
    }
  }
}

// Per syscall: the entries with arguments in their order, then the unconditional one.
TEST(SeccompProfileFile, FirstMatchingEntryDecides) {
  auto s = parse_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
       "args": [{"index": 0, "value": 255, "op": "SCMP_CMP_GT"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 4096, "op": "SCMP_CMP_GT"}]},
      {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
      {"names": ["no_such_call"], "action": "SCMP_ACT_KILL"}]})",
                         "profile");
  ASSERT_TRUE(s) << s.error().what();
  auto prog = security::seccomp::compile(*security::seccomp::from_oci(*s));
  auto call = [&](unsigned long arg) {
    return under_filter(prog, [arg] { return errno_of(syscall(SYS_personality, arg)); });
  };
  EXPECT_EQ(call(0x10000), 22);  // > 255 first, though > 4096 too
  EXPECT_EQ(call(3), 13);        // no entry with arguments matches
  EXPECT_EQ(under_filter(prog, [] { return errno_of(syscall(SYS_getppid)); }), EPERM);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(syscall(SYS_getpid)); }), 0);
}

}  // namespace
}  // namespace nucleus::spec
