// The production mount audit on mountinfo text: what a sandbox's root looks like passes, each
// missing flag is named.
#include "fs/mount_audit.h"

#include <gtest/gtest.h>

namespace nucleus::fs {
namespace {

constexpr const char* kGood =
    "1 0 0:1 / / ro,nosuid,nodev,relatime - ext4 /dev/sda1 rw\n"
    "2 1 0:2 / /proc rw,nosuid,nodev,noexec - proc proc rw,hidepid=invisible\n"
    "3 1 0:3 / /dev rw,nosuid,noexec - tmpfs none rw,size=64k\n"
    "4 3 0:4 /null /dev/null rw,nosuid,noexec - devtmpfs udev rw\n"
    "5 3 0:5 / /dev/pts rw,nosuid,noexec - devpts devpts rw\n"
    "6 1 0:6 / /tmp rw,nosuid,nodev,noexec - tmpfs none rw\n"
    "7 1 0:7 /srv\\040data /srv\\040data ro,nosuid,nodev - ext4 /dev/sda1 rw\n"
    "8 2 0:4 /null /proc/kcore rw,nosuid,noexec - devtmpfs udev rw\n";

TEST(MountAudit, ASandboxRootPasses) {
  auto r = audit_mountinfo(kGood);
  EXPECT_TRUE(r) << r.error().what();
}

TEST(MountAudit, EachMissingFlagIsNamed) {
  struct Case {
    const char* line;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"1 0 0:1 / / rw,nosuid,nodev,noexec - ext4 /dev/sda1 rw",
            "mount audit: / (ext4) is not ro; refusing to start"},
           {"6 1 0:6 / /tmp rw,nodev,noexec - tmpfs none rw",
            "mount audit: /tmp (tmpfs) is not nosuid; refusing to start"},
           {"6 1 0:6 / /data ro,nosuid - ext4 /dev/sda1 rw",
            "mount audit: /data (ext4) is not nodev; refusing to start"},
           {"6 1 0:6 / /srv\\040data rw,nosuid,nodev - ext4 /dev/sda1 rw",
            "mount audit: /srv data (ext4) is not noexec; refusing to start"},
           {"9 3 0:4 / /dev/all rw,nosuid,noexec - devtmpfs udev rw",
            "mount audit: /dev/all (devtmpfs) is not nodev; refusing to start"},
           {"garbage", "mount audit: unreadable mountinfo line 'garbage'"},
       }) {
    auto r = audit_mountinfo(std::string(kGood) + c.line + "\n");
    ASSERT_FALSE(r) << c.line;
    EXPECT_EQ(r.error().what(), std::string(c.error));
  }
}

}  // namespace
}  // namespace nucleus::fs
