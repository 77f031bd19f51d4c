// The default profile written as OCI linux.seccomp (for runsc), and the syscall name table.
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include "security/seccomp_oci.h"
#include "security/seccomp_profile.h"
#include "security/syscall_names.h"

namespace nucleus::security::seccomp {
namespace {

TEST(SyscallNames, BothWays) {
  EXPECT_EQ(syscall_number("read"), 0);
  EXPECT_EQ(syscall_number("openat2"), SYS_openat2);
  EXPECT_EQ(syscall_number("mseal"), 462);  // newer than the build's headers
  EXPECT_FALSE(syscall_number("no_such_call"));
  EXPECT_FALSE(syscall_number(""));
  EXPECT_EQ(syscall_name(SYS_execve), "execve");
  EXPECT_EQ(syscall_name(100000), "");
}

TEST(SeccompOci, DefaultProfileKeepsItsOrderAndActions) {
  auto j = to_oci(default_profile());
  EXPECT_EQ(j["defaultAction"], "SCMP_ACT_KILL_PROCESS");
  EXPECT_EQ(j["architectures"], nlohmann::json::array({"SCMP_ARCH_X86_64"}));
  // socket: one conditional allow per family, then its fallback, in that order.
  std::vector<nlohmann::json> socket;
  size_t names = 0;
  for (const auto& e : j["syscalls"]) {
    names += e["names"].size();
    if (e["names"] == nlohmann::json::array({"socket"})) socket.push_back(e);
  }
  ASSERT_EQ(socket.size(), 5u);
  EXPECT_EQ(socket[0]["action"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(socket[0]["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
  EXPECT_EQ(socket[0]["args"][0]["value"], 0xffffffffu);  // the mask
  EXPECT_EQ(socket[0]["args"][0]["valueTwo"], 1u);        // AF_UNIX
  EXPECT_FALSE(socket[4].contains("args"));
  EXPECT_EQ(socket[4]["action"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(socket[4]["errnoRet"], 97u);  // EAFNOSUPPORT
  // Unconditional neighbours share entries: far fewer entries than names.
  EXPECT_LT(j["syscalls"].size(), names / 4);
  EXPECT_EQ(to_oci(default_profile(), "SCMP_ACT_TRAP")["defaultAction"], "SCMP_ACT_TRAP");
}

}  // namespace
}  // namespace nucleus::security::seccomp
