// Limits through cgroups (v1, v2 or hybrid, whichever the host has).
#include "harness.h"

namespace nucleus::testing {
namespace {

class Resources : public IntegrationTest {};

TEST_F(Resources, MemoryHogIsOomKilled) {
  RunResult raw = run({"run", "--memory", "64m", "--context", probe_dir(), "--context-mode",
                       "bind", "--", "/context/probe", "alloc=256"});
  EXPECT_EQ(raw.code, 137) << raw.err;
  EXPECT_EQ(raw.out, "") << "the probe finished its allocation";
  // The same allocation fits without the limit.
  RunResult ok;
  auto j = probe({}, {"alloc=256"}, &ok);
  EXPECT_EQ(ok.code, 0);
  EXPECT_EQ(j["checks"]["alloc=256"], 0);
}

TEST_F(Resources, ForkBombIsContained) {
  auto j = probe({"--pids", "20"}, {"forks=200"});
  int forks = j["checks"]["forks=200"];
  EXPECT_GT(forks, 5);
  EXPECT_LT(forks, 20);
}

TEST_F(Resources, CpuAndIoLimitsAreAccepted) {
  RunResult r = run({"run", "--cpus", "0.5", "--cpu-weight", "50", "--", "true"});
  EXPECT_EQ(r.code, 0) << r.err;
}

}  // namespace
}  // namespace nucleus::testing
