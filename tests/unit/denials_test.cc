#include "container/denials.h"

#include <gtest/gtest.h>

namespace nucleus::container {
namespace {

constexpr const char* kRecord =
    "audit(1796290638.006:11): auid=0 uid=0 gid=0 ses=7 pid=20088 comm=\"probe\" "
    "exe=\"/context/probe\" sig=31 arch=c000003e syscall=184 compat=0 ip=0x449f49 "
    "code=0x80000000";

TEST(SeccompRecord, ParsesTheContainersSessionOnly) {
  Denial d;
  ASSERT_TRUE(parse_seccomp_record(kRecord, 7, d));
  EXPECT_EQ(d.syscall, "tuxcall");
  EXPECT_EQ(d.nr, 184);
  EXPECT_EQ(d.pid, 20088);
  EXPECT_EQ(d.comm, "probe");
  EXPECT_EQ(d.exe, "/context/probe");
  EXPECT_EQ(d.signal, 31);
  EXPECT_EQ(describe(d),
            "seccomp killed probe (pid 20088, /context/probe): system call tuxcall is not allowed");
  EXPECT_FALSE(parse_seccomp_record(kRecord, 8, d));                      // someone else's
  EXPECT_FALSE(parse_seccomp_record("audit(1.2:3): ses=7 pid=1", 7, d));  // no syscall
  EXPECT_FALSE(parse_seccomp_record("", 7, d));
  // Another architecture's number is not named after x86_64's.
  std::string i386 = kRecord;
  i386.replace(i386.find("c000003e"), 8, "40000003");
  ASSERT_TRUE(parse_seccomp_record(i386, 7, d));
  EXPECT_EQ(d.syscall, "");
  EXPECT_NE(describe(d).find("system call number 184"), std::string::npos);
}

}  // namespace
}  // namespace nucleus::container
