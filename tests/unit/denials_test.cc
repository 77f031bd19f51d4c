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

TEST(AuditRecord, SplitsFieldsAndDecodesHexStrings) {
  auto r = parse_audit_record(
      "audit(1729738800.268:30): domain=195ba459b blockers=fs.refer,fs.make_reg "
      "path=\"/usr/local\" dev=\"vda2\" ino=365 comm=2F746D702F61206220");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->serial, 30u);
  EXPECT_EQ(r->get("domain"), "195ba459b");
  EXPECT_EQ(r->get("path"), "/usr/local");
  EXPECT_EQ(r->get("ino"), "365");
  EXPECT_EQ(r->get("comm"), "/tmp/a b ");  // a name with blanks comes hex-encoded
  EXPECT_EQ(r->get("missing"), "");
  EXPECT_FALSE(parse_audit_record("domain=1"));
  EXPECT_FALSE(parse_audit_record("audit(1.2): x=1"));
  EXPECT_FALSE(parse_audit_record("audit(1.2:x): x=1"));
  auto bare = parse_audit_record("audit(1.2:3): word x=\"unterminated");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->get("x"), "unterminated");
}

TEST(LandlockRecord, NamesTheBlockersAndTheObject) {
  auto r = parse_audit_record(
      "audit(1.2:3): domain=1a6fdc66f blockers=fs.write_file,fs.truncate path=\"/etc/x\" "
      "dev=\"vda\" ino=5");
  ASSERT_TRUE(r);
  auto d = parse_landlock_access(*r);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->domain, "1a6fdc66f");
  EXPECT_EQ(d->blockers, (std::vector<std::string>{"fs.write_file", "fs.truncate"}));
  EXPECT_EQ(describe(*d), "landlock denied fs.write_file,fs.truncate: path=/etc/x dev=vda ino=5");
  auto e = denial_event("c1", *d);
  EXPECT_EQ(e["type"], "landlock-denial");
  EXPECT_EQ(e["path"], "/etc/x");
  EXPECT_FALSE(e.contains("pid"));  // no system call record named the process
  d->pid = 9;
  d->comm = "cat";
  d->exe = "/bin/cat";
  EXPECT_EQ(describe(*d),
            "landlock denied cat (pid 9, /bin/cat) fs.write_file,fs.truncate: path=/etc/x dev=vda "
            "ino=5");
  EXPECT_EQ(denial_event("c1", *d)["pid"], 9);
  auto not_one = parse_audit_record("audit(1.2:3): status=allocated pid=4");
  EXPECT_FALSE(parse_landlock_access(*not_one));
}

}  // namespace
}  // namespace nucleus::container
