// nucleus run --landlock-policy FILE: the policy's rules instead of (or on top of) nucleus's,
// TCP ports where the kernel has Landlock ABI 4, and refusals that leave nothing behind.
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "harness.h"
#include "security/landlock.h"
#include "util/sha256.h"

namespace nucleus::testing {
namespace {

class LandlockPolicyRun : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    abi_ = security::landlock::probe_abi();
    if (abi_ == 0) GTEST_SKIP() << "needs a kernel with Landlock";
  }
  TempDir tmp;
  int abi_ = 0;
};

// Only the policy's rules: the root readable and executable, nothing writable, not even /tmp
// (which nucleus's own rules let the sandbox write).
TEST_F(LandlockPolicyRun, ThePolicyReplacesTheDefaultRules) {
  std::string file = tmp.file("policy.toml", R"([[paths]]
path = "/"
access = ["read", "execute"]
)");
  auto j =
      probe({"--landlock-policy", file}, {"write=/tmp/x", "read=/etc/passwd", "exec=/bin/true"});
  EXPECT_EQ(j["checks"]["write=/tmp/x"], EACCES);
  EXPECT_EQ(j["checks"]["read=/etc/passwd"], 0);
  EXPECT_EQ(j["checks"]["exec=/bin/true"], 0);
  auto dflt = probe({}, {"write=/tmp/x"});
  EXPECT_EQ(dflt["checks"]["write=/tmp/x"], 0);
}

// defaults = true and [[ports]]: TCP bind and connect on the listed port only.
TEST_F(LandlockPolicyRun, PortsAllowOnlyTheirTcpPorts) {
  std::string file = tmp.file("ports.toml", R"(defaults = true
[[ports]]
port = 8080
access = ["bind", "connect"]
)");
  if (abi_ < 4) {
    RunResult r = run({"run", "--landlock-policy", file, "--", "true"});
    EXPECT_EQ(r.code, 125);
    EXPECT_NE(r.err.find("needs Landlock ABI 4"), std::string::npos) << r.err;
    return;
  }
  auto j = probe({"--landlock-policy", file}, {"listen=8080", "listen=8081", "write=/tmp/x"});
  EXPECT_EQ(j["checks"]["listen=8080"], 0);
  EXPECT_EQ(j["checks"]["listen=8081"], EACCES);
  EXPECT_EQ(j["checks"]["write=/tmp/x"], 0);  // the default rules still hold
}

TEST_F(LandlockPolicyRun, BadPoliciesAreRefused) {
  std::string good = tmp.file("good.toml", "defaults = true\n");
  std::string link = tmp.path() + "/link.toml";
  ASSERT_EQ(symlink(good.c_str(), link.c_str()), 0);
  std::string hex = sha256::hex(sha256::hash("defaults = true\n"));
  std::string wrong = std::string(64, '0');
  struct Case {
    std::vector<std::string> flags;
    std::string needle;
  };
  std::vector<Case> cases = {
      {{"--landlock-policy", tmp.file("abi.toml", "abi = 99\ndefaults = true\n")},
       "the policy (abi) needs Landlock ABI 99"},
      {{"--landlock-policy", tmp.file("bad.toml", "defaults = yes\n")},
       "--landlock-policy: line 1"},
      {{"--landlock-policy", tmp.file("empty.toml", "")}, "the file is empty"},
      {{"--landlock-policy", link}, "--landlock-policy"},
      {{"--landlock-policy", tmp.path() + "/missing.toml"}, "--landlock-policy"},
      {{"--landlock-policy", good, "--landlock-policy-sha256", wrong},
       "the file's SHA-256 is " + hex},
      {{"--landlock-policy-sha256", hex}, "given without --landlock-policy"},
      {{"--runtime", "gvisor", "--landlock-policy", good},
       "gVisor sandboxes have their own kernel"},
  };
  for (const auto& c : cases) expect_run_refused(c.flags, c.needle);
  // The right hash runs it.
  RunResult ok =
      run({"run", "--landlock-policy", good, "--landlock-policy-sha256", hex, "--", "true"});
  EXPECT_EQ(ok.code, 0) << ok.err;
}

}  // namespace
}  // namespace nucleus::testing
