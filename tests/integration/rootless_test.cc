// User namespaces: --rootless, and any non-root caller.
#include <unistd.h>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Rootless : public IntegrationTest {};

TEST_F(Rootless, RootWithRootlessFlag) {
  RunResult r = run({"run", "--rootless", "--", "sh", "-c", "id -u; cat /proc/self/uid_map"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 2), "0\n");
  EXPECT_NE(r.out.find("0          0          1"), std::string::npos) << r.out;
}

TEST_F(Rootless, UnprivilegedCallerIsRootInside) {
  RunOptions o;
  o.as_uid = 65534;
  RunResult raw;
  auto j = probe({}, {"write=/tmp/x", "write=/usr/x", "syscall=mount"}, &raw, o);
  EXPECT_EQ(raw.code, 0) << raw.err;
  EXPECT_EQ(j["uid"], 0);
  EXPECT_EQ(j["pid"], 1);
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
  EXPECT_EQ(j["seccomp"], "2");
  EXPECT_EQ(j["checks"]["write=/tmp/x"], 0);
  EXPECT_NE(j["checks"]["write=/usr/x"], 0);
  EXPECT_NE(j["checks"]["syscall=mount"], 0);
  RunResult id = run({"run", "--", "cat", "/proc/self/uid_map"}, o);
  EXPECT_NE(id.out.find("0      65534          1"), std::string::npos) << id.out;
}

TEST_F(Rootless, UnprivilegedLimitsFailClearly) {
  RunOptions o;
  o.as_uid = 65534;
  RunResult r = run({"run", "--memory", "64m", "--", "true"}, o);
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("cgroup"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nucleus::testing
