// --caps-policy files: the five sets or keep, and the kernel's rules refused before a start.
#include <gtest/gtest.h>

#include <linux/capability.h>

#include "spec/caps_policy.h"

namespace nucleus::spec {
namespace {

std::string caps_error(const std::string& text) {
  auto p = parse_caps_policy(text, "--caps-policy");
  return p ? "accepted" : p.error().what();
}

TEST(CapsPolicy, TheFiveSets) {
  auto p = parse_caps_policy(R"(# a web server that binds :80 as an unprivileged user
bounding = ["NET_BIND_SERVICE", "cap_chown", "CHOWN"]
permitted = ["NET_BIND_SERVICE", "CHOWN"]
effective = ["CAP_NET_BIND_SERVICE"]
inheritable = ["NET_BIND_SERVICE"]
ambient = ["NET_BIND_SERVICE"]
)",
                             "--caps-policy");
  ASSERT_TRUE(p) << p.error().what();
  ASSERT_TRUE(p->sets);
  std::vector<int> both = {CAP_CHOWN, CAP_NET_BIND_SERVICE}, bind = {CAP_NET_BIND_SERVICE};
  EXPECT_EQ(p->caps.bounding, both);  // sorted, each once
  EXPECT_EQ(p->caps.permitted, both);
  EXPECT_EQ(p->caps.effective, bind);
  EXPECT_EQ(p->caps.inheritable, bind);
  EXPECT_EQ(p->caps.ambient, bind);

  auto none = parse_caps_policy("bounding = []\n", "x");  // every set empty: drop them all
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->sets);
  EXPECT_TRUE(none->caps.permitted.empty());
}

TEST(CapsPolicy, KeepIsCapAdd) {
  auto p = parse_caps_policy("keep = [\"KILL\", \"NET_RAW\"]\n", "x");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->sets);
  EXPECT_EQ(p->keep, (std::vector<int>{CAP_KILL, CAP_NET_RAW}));
}

TEST(CapsPolicy, MistakesAreRefused) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"", "--caps-policy: the file names no capability set"},
           {"# only a comment\n", "--caps-policy: the file names no capability set"},
           {"bounding = [\"FLY\"]\n", "--caps-policy: line 1: unknown capability 'FLY'"},
           {"bounding = \"CHOWN\"\n", "--caps-policy: line 1: bounding wants an array of strings"},
           {"bounding = [1]\n", "--caps-policy: line 1: bounding wants an array of strings"},
           {"add = [\"CHOWN\"]\n", "--caps-policy: line 1: unknown key 'add'"},
           {"[[bounding]]\n", "--caps-policy: line 1: unknown table [[bounding]]"},
           {"bounding = [\"CHOWN\"\n", "--caps-policy: line 2: expected , or ] in the array"},
           {"keep = []\nbounding = []\n",
            "--caps-policy: line 1: keep stands for every set; name the sets or keep alone"},
           {"bounding = [\"CHOWN\"]\npermitted = [\"CHOWN\"]\neffective = [\"KILL\"]\n",
            "--caps-policy: line 3: effective has CAP_KILL, which permitted has not (an effective "
            "capability must be permitted)"},
           {"bounding = []\npermitted = [\"CHOWN\"]\n",
            "--caps-policy: line 2: permitted has CAP_CHOWN, which bounding has not (the bounding "
            "set limits what can be held)"},
           {"inheritable = [\"CHOWN\"]\n",
            "--caps-policy: line 1: inheritable has CAP_CHOWN, which bounding has not (the kernel "
            "refuses an inheritable capability outside the bounding set)"},
           {"bounding = [\"CHOWN\"]\npermitted = [\"CHOWN\"]\nambient = [\"CHOWN\"]\n",
            "--caps-policy: line 3: ambient has CAP_CHOWN, which inheritable has not (an ambient "
            "capability must be permitted and inheritable)"},
       })
    EXPECT_EQ(caps_error(c.text), c.error) << c.text;
}

}  // namespace
}  // namespace nucleus::spec
