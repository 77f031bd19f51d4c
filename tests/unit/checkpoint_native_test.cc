// What a native checkpoint saves besides CRIU's images: the host's bind mounts found in a
// container's mount table, native.json, the CRIU command lines, and the root's tar archive.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "checkpoint/native.h"
#include "fs/tar.h"
#include "helpers.h"
#include "util/unique_fd.h"

namespace nucleus::testing {
namespace {

namespace ck = nucleus::checkpoint;

const char* kHost =
    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "23 22 0:6 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,mode=755\n"
    "24 22 254:0 /srv/data /data rw shared:1 - ext4 /dev/vda rw\n";
const char* kContainer =
    "77 45 0:41 / / ro,nosuid,nodev - tmpfs none rw,size=16384k\n"
    "67 77 254:0 /usr /usr ro,nosuid,nodev - ext4 /dev/vda rw\n"
    "71 79 0:6 /null /dev/null rw,nosuid,noexec - devtmpfs devtmpfs rw\n"
    "78 77 0:42 / /proc rw,nosuid,nodev,noexec - proc none rw\n"
    "80 77 254:0 /srv/data/in /work\\040dir rw,nosuid,nodev - ext4 /dev/vda rw\n";

TEST(NativeCheckpoint, TheHostsBindMountsAreExternal) {
  auto m = ck::external_mounts(kHost, kContainer);
  ASSERT_TRUE(m) << m.error().what();
  ASSERT_EQ(m->size(), 3u);  // not the root (a tmpfs of its own), not its own proc
  EXPECT_EQ((*m)[0].point, "/usr");
  EXPECT_EQ((*m)[0].source, "/usr");
  EXPECT_EQ((*m)[1].point, "/dev/null");
  EXPECT_EQ((*m)[1].source, "/dev/null");
  // The nearest host mount of that filesystem names it; mountinfo's escapes are undone.
  EXPECT_EQ((*m)[2].point, "/work dir");
  EXPECT_EQ((*m)[2].source, "/data/in");
  EXPECT_FALSE(ck::external_mounts(kHost, "garbage\n"));
}

TEST(NativeCheckpoint, NativeJsonRoundTripsAndIsChecked) {
  ck::NativeImage n;
  n.mounts = {{"/usr", "/usr"}, {"/dev/null", "/dev/null"}};
  n.stdio = {"/dev/null", "pipe:[7733]", "pipe:[7734]"};
  n.tcp_established = true;
  auto back = ck::native_from_json(ck::to_json(n));
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->mounts.size(), 2u);
  EXPECT_EQ(back->mounts[1].source, "/dev/null");
  EXPECT_EQ(back->stdio[2], "pipe:[7734]");
  EXPECT_TRUE(back->tcp_established);
  for (const char* bad : {"", "[]", R"({"mounts": [], "stdio": ["a"]})",
                          R"({"mounts": [{"point": "usr", "source": "/usr"}], "stdio": []})",
                          R"({"stdio": ["a", "b", "c"]})"})
    EXPECT_FALSE(ck::native_from_json(bad)) << bad;
}

bool has_pair(const std::vector<std::string>& v, const std::string& a, const std::string& b) {
  for (size_t i = 0; i + 1 < v.size(); i++)
    if (v[i] == a && v[i + 1] == b) return true;
  return false;
}

TEST(NativeCheckpoint, CriuCommandLines) {
  ck::NativeImage n;
  n.mounts = {{"/usr", "/usr"}, {"/etc/ld.so.cache", "/etc/ld.so.cache"}};
  n.stdio = {"/dev/null", "pipe:[11]", "pipe:[12]"};
  auto dump = ck::dump_command({"/usr/sbin/criu", "/ck", 42, 4026532178, true, false}, n);
  EXPECT_EQ(dump[1], "dump");
  EXPECT_TRUE(has_pair(dump, "--tree", "42"));
  EXPECT_TRUE(has_pair(dump, "--external", "net[4026532178]:nucleus-net"));
  EXPECT_TRUE(has_pair(dump, "--external", "mnt[/usr]:m0"));
  EXPECT_TRUE(has_pair(dump, "--external", "mnt[/etc/ld.so.cache]:m1"));
  EXPECT_NE(std::find(dump.begin(), dump.end(), "--leave-running"), dump.end());
  EXPECT_EQ(std::find(dump.begin(), dump.end(), "--tcp-established"), dump.end());

  ck::RestoreArgs a;
  a.criu = "/usr/sbin/criu", a.dir = "/ck", a.work_dir = "/run/x", a.root = "/run/x/root";
  a.pid_file = "/run/x/restore.pid", a.netns_fd = 3, a.stdio = {4, 5, 6};
  auto restore = ck::restore_command(a, n);
  EXPECT_EQ(restore[1], "restore");
  EXPECT_TRUE(has_pair(restore, "--root", "/run/x/root"));
  EXPECT_TRUE(has_pair(restore, "--inherit-fd", "fd[3]:nucleus-net"));
  EXPECT_TRUE(has_pair(restore, "--external", "mnt[m1]:/etc/ld.so.cache"));
  EXPECT_TRUE(has_pair(restore, "--inherit-fd", "fd[5]:pipe:[11]"));
  EXPECT_TRUE(has_pair(restore, "--inherit-fd", "fd[6]:pipe:[12]"));
  // /dev/null is a path in the container's own root: nothing to inherit for it.
  EXPECT_EQ(std::count(restore.begin(), restore.end(), "--inherit-fd"), 3);
}

TEST(NativeCheckpoint, LastErrorOfACriuLog) {
  EXPECT_EQ(ck::last_error("(00.1) Version: 3.17.1\n"
                           "(00.2) Error (criu/mount.c:753): mnt: 76:./usr doesn't have a proper "
                           "root mount\n(00.3) Error (criu/cr-dump.c:2053): Dumping FAILED.\n"),
            "Dumping FAILED.");
  EXPECT_EQ(ck::last_error("all good\n"), "");
}

class RootArchive : public TempDirTest {};

TEST_F(RootArchive, PacksOneFilesystemAndUnpacksIt) {
  std::string src = dir_ + "/src", dst = dir_ + "/dst";
  std::filesystem::create_directories(src + "/etc/ssl");
  std::filesystem::create_directories(dst);
  std::ofstream(src + "/etc/hosts") << "127.0.0.1 localhost\n";
  std::string long_name(150, 'n');
  std::ofstream(src + "/etc/" + long_name) << "long\n";
  symlink("usr/bin", (src + "/bin").c_str());
  chmod((src + "/etc/hosts").c_str(), 0640);
  mkfifo((src + "/fifo").c_str(), 0600);  // skipped
  std::string archive = dir_ + "/root.tar";
  {
    UniqueFd root(open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd out(open(archive.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    auto packed = fs::tar::pack_filesystem(root.get(), out.get());
    ASSERT_TRUE(packed) << packed.error().what();
  }
  UniqueFd in(open(archive.c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd dest(open(dst.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  auto unpacked = fs::tar::extract(in.get(), dest.get(), archive);
  ASSERT_TRUE(unpacked) << unpacked.error().what();
  std::ifstream hosts(dst + "/etc/hosts");
  std::string line;
  std::getline(hosts, line);
  EXPECT_EQ(line, "127.0.0.1 localhost");
  struct stat st {};
  ASSERT_EQ(stat((dst + "/etc/hosts").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_TRUE(std::filesystem::exists(dst + "/etc/" + long_name));
  EXPECT_TRUE(std::filesystem::is_directory(dst + "/etc/ssl"));
  EXPECT_EQ(std::filesystem::read_symlink(dst + "/bin"), "usr/bin");
  EXPECT_FALSE(std::filesystem::exists(dst + "/fifo"));
}

}  // namespace
}  // namespace nucleus::testing
