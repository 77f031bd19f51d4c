// What a workload sees and may do under the default profile.
#include <fcntl.h>

#include <algorithm>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Isolation : public IntegrationTest {};

TEST_F(Isolation, NamespacesIdentityAndPolicies) {
  auto j = probe({"--hostname", "sandbox1"}, {});
  EXPECT_EQ(j["pid"], 1);
  EXPECT_EQ(j["ppid"], 0);
  EXPECT_EQ(j["hostname"], "sandbox1");
  EXPECT_EQ(j["uid"], 0);
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
  EXPECT_EQ(j["cap_prm"], "0000000000000000");
  EXPECT_EQ(j["cap_bnd"], "0000000000000000");
  EXPECT_EQ(j["no_new_privs"], "1");
  EXPECT_EQ(j["seccomp"], "2");
  // Only loopback in the network namespace.
  std::string dev = j["net_dev"];
  EXPECT_NE(dev.find("lo:"), std::string::npos);
  EXPECT_EQ(dev.find("eth"), std::string::npos);
  EXPECT_EQ(std::count(dev.begin(), dev.end(), ':'), 1) << dev;
  // Own cgroup namespace: its cgroups look like roots.
  std::string cg = j["cgroup"];
  EXPECT_EQ(cg.find("nucleus"), std::string::npos) << cg;
  EXPECT_EQ(cg.find("process_api"), std::string::npos) << cg;
}

TEST_F(Isolation, DefaultHostnameIsTheIdPrefix) {
  auto j = probe({}, {});
  std::string h = j["hostname"];
  EXPECT_EQ(h.size(), 12u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(Isolation, WritesOnlyWhereAllowed) {
  auto j = probe({}, {"write=/tmp/a", "write=/dev/shm/a", "write=/dev/null", "write=/x",
                      "write=/usr/x", "write=/etc/passwd", "write=/context/x",
                      "write=/proc/sys/kernel/hostname", "write=/sys/kernel/x", "mkdir=/root/d"});
  auto& c = j["checks"];
  EXPECT_EQ(c["write=/tmp/a"], 0);
  EXPECT_EQ(c["write=/dev/shm/a"], 0);
  EXPECT_EQ(c["write=/dev/null"], 0);
  for (const char* k : {"write=/x", "write=/usr/x", "write=/etc/passwd", "write=/context/x",
                        "write=/proc/sys/kernel/hostname", "mkdir=/root/d"})
    EXPECT_NE(c[k], 0) << k;
  EXPECT_NE(c["write=/sys/kernel/x"], 0);
}

TEST_F(Isolation, HostFilesOutsideTheBindsAreInvisible) {
  TempDir host;
  std::string marker = host.file("marker", "secret");
  auto j = probe({}, {"read=" + marker, "read=/etc/shadow", "read=/root/.bashrc", "read=/home",
                      "read=/var/log", "read=/etc/hostname", "read=/usr/bin/env"});
  auto& c = j["checks"];
  EXPECT_EQ(c["read=" + marker], ENOENT);
  EXPECT_EQ(c["read=/etc/shadow"], ENOENT);
  EXPECT_EQ(c["read=/home"], ENOENT);
  EXPECT_EQ(c["read=/var/log"], ENOENT);
  EXPECT_EQ(c["read=/etc/hostname"], 0);
  EXPECT_EQ(c["read=/usr/bin/env"], 0);
}

TEST_F(Isolation, DangerousSyscallsFail) {
  std::vector<std::string> names = {
      "mount",  "unshare",       "clone_newuser", "setns",           "ptrace",
      "keyctl", "bpf",           "userfaultfd",   "perf_event_open", "io_uring_setup",
      "chroot", "socket_packet", "wx_mmap"};
  std::vector<std::string> checks;
  for (auto& n : names) checks.push_back("syscall=" + n);
  RunResult raw;
  auto j = probe({}, checks, &raw);
  EXPECT_EQ(raw.code, 0) << raw.err;
  for (auto& k : checks) {
    ASSERT_TRUE(j["checks"].contains(k)) << k;
    EXPECT_GT(j["checks"][k].get<int>(), 0) << k << " succeeded";
  }
}

TEST_F(Isolation, NoExecutionFromWritableDirs) {
  // A binary dropped in /tmp or /dev/shm cannot be run (Landlock, noexec).
  RunResult r =
      run({"run", "--", "sh", "-c",
           "cp /usr/bin/true /tmp/t && chmod +x /tmp/t && /tmp/t; echo tmp=$?;"
           "cp /usr/bin/true /dev/shm/t && chmod +x /dev/shm/t && /dev/shm/t; echo shm=$?"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("tmp=126"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shm=126"), std::string::npos) << r.out;
}

TEST_F(Isolation, SensitiveProcFilesAreMasked) {
  // Each masked file that this kernel has reads empty; masked directories are empty.
  RunResult r = run({"run", "--", "sh", "-c",
                     "for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do"
                     "  test -e $f && wc -c < $f; done | sort -u;"
                     "for d in /proc/acpi /proc/scsi; do test -d $d && ls -A $d; done;"
                     "echo 1 > /proc/sysrq-trigger || echo ro"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\nro\n");
}

TEST_F(Isolation, InheritedDescriptorsAreClosed) {
  int fd = open("/etc/hostname", O_RDONLY);  // without O_CLOEXEC: leaks into nucleus
  ASSERT_GE(fd, 3);
  RunOptions o;
  o.stray_fd = fd;
  auto j = probe({}, {}, nullptr, o);
  close(fd);
  EXPECT_EQ(j["max_open_fd"], -1);
}

TEST_F(Isolation, CapAddKeepsExactlyThatCapability) {
  auto j = probe({"--cap-add", "NET_BIND_SERVICE"}, {});
  EXPECT_EQ(j["cap_eff"], "0000000000000400");
  EXPECT_EQ(j["cap_bnd"], "0000000000000400");
  auto u = probe({"--cap-add", "net_bind_service", "-u", "1000:1000"}, {});
  EXPECT_EQ(u["uid"], 1000);
  EXPECT_EQ(u["cap_eff"], "0000000000000400");
  EXPECT_EQ(u["cap_amb"], "0000000000000400");
}

TEST_F(Isolation, UserSwitch) {
  auto j = probe({"-u", "1000:2000"}, {"write=/tmp/x"});
  EXPECT_EQ(j["uid"], 1000);
  EXPECT_EQ(j["gid"], 2000);
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
  EXPECT_EQ(j["checks"]["write=/tmp/x"], 0);
}

}  // namespace
}  // namespace nucleus::testing
