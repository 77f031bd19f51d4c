// --landlock-policy files: what each key becomes, and one line naming the line for mistakes.
#include <gtest/gtest.h>

#include "spec/landlock_policy.h"

namespace nucleus::spec {
namespace {

namespace ll = security::landlock;

std::string landlock_error(const std::string& text) {
  auto p = parse_landlock_policy(text, "--landlock-policy");
  return p ? "accepted" : p.error().what();
}

TEST(LandlockPolicy, EveryKey) {
  auto p = parse_landlock_policy(R"(
abi = 4
defaults = true
scopes = ["signal"]
[[paths]]
path = "/srv//data/"
access = ["read", "write"]
[[paths]]
path = "/opt/tool"
access = ["read_file", "execute"]
[[ports]]
port = 8080
access = ["bind", "connect"]
)",
                                 "--landlock-policy");
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_EQ(p->min_abi, 4);
  EXPECT_TRUE(p->defaults);
  EXPECT_EQ(p->scopes, ll::kScopeSignal);
  ASSERT_EQ(p->paths.size(), 2u);
  EXPECT_EQ(p->paths[0].path, "/srv/data");
  EXPECT_EQ(p->paths[0].access, ll::kReadWrite);
  EXPECT_EQ(p->paths[1].access, ll::kReadFile | ll::kExecute);
  EXPECT_TRUE(p->tcp);
  ASSERT_EQ(p->ports.size(), 1u);
  EXPECT_EQ(p->ports[0].port, 8080);
  EXPECT_EQ(p->ports[0].access, ll::kNetBindTcp | ll::kNetConnectTcp);

  auto minimal = parse_landlock_policy("defaults = true\n", "x");
  ASSERT_TRUE(minimal);
  EXPECT_EQ(minimal->min_abi, 1);
  EXPECT_FALSE(minimal->tcp);  // no [[ports]]: TCP as before
  auto deny = parse_landlock_policy("defaults = true\ntcp = \"deny\"\n", "x");
  ASSERT_TRUE(deny);
  EXPECT_TRUE(deny->tcp);
  EXPECT_TRUE(deny->ports.empty());
}

TEST(LandlockPolicy, MistakesNameTheLine) {
  EXPECT_EQ(landlock_error("defaults = \n"), "--landlock-policy: line 1: expected a value");
  EXPECT_EQ(landlock_error("defaults = true\nrules = 1\n"),
            "--landlock-policy: line 2: unknown key 'rules'");
  EXPECT_EQ(landlock_error("abi = 0\ndefaults = true\n"),
            "--landlock-policy: line 1: abi wants a number from 1");
  EXPECT_EQ(landlock_error("[[paths]]\npath = \"/x\"\naccess = [\"fly\"]\n"),
            "--landlock-policy: line 3: unknown access 'fly'");
  EXPECT_EQ(landlock_error("[[paths]]\npath = \"x\"\naccess = [\"read\"]\n"),
            "--landlock-policy: line 1: 'x' is not an absolute path");
  EXPECT_EQ(landlock_error("[[paths]]\npath = \"/x\"\n"),
            "--landlock-policy: line 1: [[paths]] /x grants nothing");
  EXPECT_EQ(landlock_error("[[paths]]\npath = \"/x\"\nmode = 1\naccess = [\"read\"]\n"),
            "--landlock-policy: line 3: unknown key 'mode'");
  EXPECT_EQ(landlock_error("defaults = true\n[[ports]]\nport = 70000\naccess = [\"bind\"]\n"),
            "--landlock-policy: line 2: [[ports]] needs port = 0..65535");
  EXPECT_EQ(landlock_error("defaults = true\nscopes = [\"everything\"]\n"),
            "--landlock-policy: line 2: unknown scope 'everything'");
  EXPECT_EQ(landlock_error("defaults = true\ntcp = \"allow\"\n"),
            "--landlock-policy: line 2: tcp wants \"deny\"");
  EXPECT_EQ(landlock_error("defaults = true\n# \xca\x95J\n"), "accepted");  // UTF-8 in a comment
  EXPECT_EQ(landlock_error(std::string("[\0", 2)),
            "--landlock-policy: a control character (0x00) in the file");
  EXPECT_EQ(landlock_error("[$"),
            "--landlock-policy: line 1: [table] is not supported here; use [[name]] array tables");
  EXPECT_EQ(landlock_error("defaults = true\n[[rules]]\n"),
            "--landlock-policy: line 2: unknown table [[rules]]");
  EXPECT_EQ(landlock_error("abi = 2\n"),
            "--landlock-policy: no [[paths]] and not defaults = true: nothing could run");
}

}  // namespace
}  // namespace nucleus::spec
