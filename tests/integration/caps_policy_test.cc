// nucleus run --caps-policy FILE: the five capability sets as the policy gives them, what the
// workload can then do, and refusals that leave nothing behind.
#include <algorithm>
#include <cerrno>

#include "detached.h"
#include "util/sha256.h"

namespace nucleus::testing {
namespace {

class CapsPolicyRun : public IntegrationTest {
 protected:
  TempDir tmp;
};

constexpr const char* kWebServer = R"(# bind :80 as an unprivileged user
bounding = ["NET_BIND_SERVICE", "CHOWN"]
permitted = ["NET_BIND_SERVICE", "CHOWN"]
effective = ["NET_BIND_SERVICE"]
inheritable = ["NET_BIND_SERVICE"]
ambient = ["NET_BIND_SERVICE"]
)";

// A non-root workload keeps across execve what is ambient, and nothing else.
TEST_F(CapsPolicyRun, AmbientCarriesACapabilityToAnUnprivilegedUser) {
  auto j =
      probe({"--caps-policy", tmp.file("web.toml", kWebServer), "-u", "1000:1000"}, {"listen=80"});
  EXPECT_EQ(j["uid"], 1000);
  EXPECT_EQ(j["cap_bnd"], "0000000000000401");  // CHOWN (0) and NET_BIND_SERVICE (10)
  EXPECT_EQ(j["cap_inh"], "0000000000000400");
  EXPECT_EQ(j["cap_amb"], "0000000000000400");
  EXPECT_EQ(j["cap_prm"], "0000000000000400");
  EXPECT_EQ(j["cap_eff"], "0000000000000400");
  EXPECT_EQ(j["checks"]["listen=80"], 0);

  // Without the ambient set the capability is gone after execve: the kernel's rule.
  auto lost = probe({"--caps-policy", tmp.file("noamb.toml", R"(bounding = ["NET_BIND_SERVICE"]
permitted = ["NET_BIND_SERVICE"]
effective = ["NET_BIND_SERVICE"]
)"),
                     "-u", "1000:1000"},
                    {"listen=80"});
  EXPECT_EQ(lost["cap_bnd"], "0000000000000400");
  EXPECT_EQ(lost["cap_eff"], "0000000000000000");
  EXPECT_EQ(lost["checks"]["listen=80"], EACCES);
}

// Root holds after execve what is permitted, never more (no_new_privs caps it); the bounding
// set may hold more than that without it being usable.
TEST_F(CapsPolicyRun, RootGetsThePermittedSet) {
  auto j = probe({"--caps-policy", tmp.file("root.toml", R"(bounding = ["NET_BIND_SERVICE", "CHOWN"]
permitted = ["NET_BIND_SERVICE"]
effective = ["NET_BIND_SERVICE"]
)")},
                 {"listen=80"});
  EXPECT_EQ(j["uid"], 0);
  EXPECT_EQ(j["cap_bnd"], "0000000000000401");
  EXPECT_EQ(j["cap_prm"], "0000000000000400");
  EXPECT_EQ(j["cap_eff"], "0000000000000400");
  EXPECT_EQ(j["cap_inh"], "0000000000000000");
  EXPECT_EQ(j["checks"]["listen=80"], 0);
}

// exec joins with the container's sets, as it does with the rest of its policy.
TEST_F(CapsPolicyRun, ExecGetsTheContainersSets) {
  std::string id = start_with_probe({"--caps-policy", tmp.file("web.toml", kWebServer)});
  RunResult raw;
  auto j = exec_probe(id, {}, {"listen=80"}, &raw);
  EXPECT_EQ(raw.code, 0) << raw.err;
  EXPECT_EQ(j["cap_bnd"], "0000000000000401");
  EXPECT_EQ(j["cap_inh"], "0000000000000400");
  EXPECT_EQ(j["checks"]["listen=80"], 0);
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

TEST_F(CapsPolicyRun, KeepIsWhatCapAddGives) {
  auto j = probe({"--caps-policy", tmp.file("keep.toml", "keep = [\"NET_BIND_SERVICE\"]\n"), "-u",
                  "1000:1000"},
                 {"listen=80"});
  EXPECT_EQ(j["cap_bnd"], "0000000000000400");
  EXPECT_EQ(j["cap_amb"], "0000000000000400");
  EXPECT_EQ(j["checks"]["listen=80"], 0);
}

TEST_F(CapsPolicyRun, BadPoliciesAreRefused) {
  std::string good = tmp.file("good.toml", kWebServer);
  std::string link = tmp.path() + "/link.toml";
  ASSERT_EQ(symlink(good.c_str(), link.c_str()), 0);
  std::string hex = sha256::hex(sha256::hash(kWebServer));
  struct Case {
    std::vector<std::string> flags;
    std::string needle;
  };
  std::vector<Case> cases = {
      {{"--caps-policy", tmp.file("unknown.toml", "bounding = [\"FLY\"]\n")},
       "--caps-policy: line 1: unknown capability 'FLY'"},
      {{"--caps-policy", tmp.file("bad.toml", "bounding = CHOWN\n")}, "--caps-policy: line 1"},
      {{"--caps-policy", tmp.file("rule.toml", "ambient = [\"KILL\"]\n")},
       "ambient has CAP_KILL, which permitted has not"},
      {{"--caps-policy", tmp.file("empty.toml", "")}, "the file is empty"},
      {{"--caps-policy", link}, "--caps-policy"},
      {{"--caps-policy", tmp.path() + "/missing.toml"}, "--caps-policy"},
      {{"--caps-policy", good, "--cap-add", "KILL"}, "--caps-policy and --cap-add"},
      {{"--caps-policy", good, "--caps-policy-sha256", std::string(64, '0')},
       "the file's SHA-256 is " + hex},
      {{"--caps-policy-sha256", hex}, "given without --caps-policy"},
  };
  for (const auto& c : cases) expect_run_refused(c.flags, c.needle);
  RunResult ok = run({"run", "--caps-policy", good, "--caps-policy-sha256", hex, "--", "true"});
  EXPECT_EQ(ok.code, 0) << ok.err;
}

}  // namespace
}  // namespace nucleus::testing
