// A counting workload for the checkpoint tests: a restored counter goes on from where it was,
// a restarted one would begin again at 1.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "detached.h"

namespace nucleus::testing {

// A counter that writes its value to /tmp/count and the log every 100 ms.
inline const std::vector<std::string> kCounter = {
    "--", "sh", "-c",
    "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; echo tick $i; "
    "sleep 0.1; done"};

inline std::vector<std::string> with(std::vector<std::string> flags,
                                     const std::vector<std::string>& cmd) {
  flags.insert(flags.end(), cmd.begin(), cmd.end());
  return flags;
}

inline std::string status_of(const std::string& ref) {
  auto j = nlohmann::json::parse(run({"inspect", ref}).out);
  return j[0]["state"]["status"];
}

// The counter's value. Its `echo > /tmp/count` truncates before it writes, so a read may fall in
// between and see an empty file: read again then.
inline long count_in(const std::string& ref) {
  RunResult r;
  for (int i = 0; i < 20; i++) {
    r = run({"exec", ref, "cat", "/tmp/count"});
    if (r.code != 0 || !r.out.empty()) break;
    usleep(20000);
  }
  EXPECT_EQ(r.code, 0) << r.err;
  return std::atol(r.out.c_str());
}

inline void wait_for_count(const std::string& ref, long at_least) {
  for (int i = 0; i < 100 && count_in(ref) < at_least; i++) usleep(50000);
}

// A restored counter goes on from where it was (at least `from`): it does not begin again at 1,
// and it still counts.
inline void expect_counting_on(const std::string& ref, long from) {
  long after = count_in(ref);
  EXPECT_GE(after, from) << ref << " restarted instead of restored";
  wait_for_count(ref, after + 2);
  EXPECT_GT(count_in(ref), after) << ref << " does not count";
}

}  // namespace nucleus::testing
