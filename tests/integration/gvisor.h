// The fixture of the --runtime gvisor tests (Debian's runsc; ptrace platform here): skipped with
// the reason when runsc is absent.
#pragma once

#include <unistd.h>

#include "detached.h"

namespace nucleus::testing {

class Gvisor : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    if (access("/usr/bin/runsc", X_OK) != 0) GTEST_SKIP() << "runsc is not installed";
  }
};

// `nucleus run --runtime gvisor ARGS`
inline std::vector<std::string> gv(std::vector<std::string> args) {
  args.insert(args.begin(), {"run", "--runtime", "gvisor"});
  return args;
}

}  // namespace nucleus::testing
