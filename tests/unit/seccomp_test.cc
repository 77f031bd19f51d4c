// The compiled default profile, loaded for real in a forked child (no root needed).
#include <errno.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "security/seccomp_profile.h"
#include "under_filter.h"

namespace nucleus::security::seccomp {
namespace {

using nucleus::testing::errno_of;
using nucleus::testing::under_filter;

class DefaultProfile : public ::testing::Test {
 protected:
  std::vector<sock_filter> prog = compile(default_profile());
};

TEST_F(DefaultProfile, OrdinarySyscallsWork) {
  EXPECT_EQ(under_filter(prog,
                         [] {
                           int fds[2];
                           if (pipe(fds) || write(fds[1], "x", 1) != 1) return 1;
                           pid_t c = fork();
                           if (c == 0) _exit(3);
                           int st;
                           waitpid(c, &st, 0);
                           return WEXITSTATUS(st) == 3 ? 0 : 2;
                         }),
            0);
}

TEST_F(DefaultProfile, DeniedSyscallsReturnEperm) {
  EXPECT_EQ(under_filter(prog, [] { return errno_of(unshare(CLONE_NEWNS)); }), EPERM);
  EXPECT_EQ(
      under_filter(prog, [] { return errno_of(syscall(SYS_mount, "a", "/", "tmpfs", 0, 0)); }),
      EPERM);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(syscall(SYS_ptrace, 0, 0, 0, 0)); }), EPERM);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(syscall(SYS_bpf, 0, 0, 0)); }), EPERM);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(syscall(SYS_keyctl, 0, 0, 0, 0, 0)); }), EPERM);
}

TEST_F(DefaultProfile, ArgumentFilters) {
  // clone with a namespace flag is refused, a plain fork is fine (above).
  EXPECT_EQ(
      under_filter(prog,
                   [] { return errno_of(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0)); }),
      EPERM);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(syscall(SYS_clone3, nullptr, 0)); }), ENOSYS);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(socket(AF_PACKET, SOCK_RAW, 0)); }),
            EAFNOSUPPORT);
  EXPECT_EQ(under_filter(prog,
                         [] {
                           int s = socket(AF_INET, SOCK_STREAM, 0);
                           return s >= 0 ? 0 : errno;
                         }),
            0);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(ioctl(0, 0x5412 /* TIOCSTI */, "x")); }),
            EPERM);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(prctl(PR_SET_MM, 0, 0, 0, 0)); }), EPERM);
  EXPECT_EQ(under_filter(prog, [] { return errno_of(prctl(PR_SET_NAME, "x", 0, 0, 0)); }), 0);
  EXPECT_EQ(under_filter(prog,
                         [] {
                           void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                           return p == MAP_FAILED ? errno : 0;
                         }),
            EACCES);
  EXPECT_EQ(under_filter(prog,
                         [] {
                           void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                           if (p == MAP_FAILED) return 1;
                           return errno_of(mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
                         }),
            EACCES);
}

TEST_F(DefaultProfile, RunsOfSyscallsAreCompacted) {
  // Runs of allowed numbers are one segment each: the kernel verifies (and every syscall
  // walks) a few hundred instructions, not one pair per syscall.
  EXPECT_LT(prog.size(), 600u);
}

TEST_F(DefaultProfile, UnlistedSyscallKills) {
  EXPECT_EQ(under_filter(prog, [] { return static_cast<int>(syscall(236 /* vserver */)); }),
            128 + SIGSYS);
  // x32 ABI numbers are refused wholesale.
  EXPECT_EQ(under_filter(prog, [] { return static_cast<int>(syscall(0x40000000 | SYS_getpid)); }),
            128 + SIGSYS);
}

TEST(Compiler, BinarySearchHandlesManyConditionalSyscalls) {
  // 300 entries on numbers no kernel uses (1000..1299), so the test runtime's own calls fall
  // through to the default (allow): even numbers return EPERM, odd ones have a rule on arg0.
  Profile p{default_profile().arch, kAllow, {}};
  for (int nr = 1000; nr < 1300; nr++) {
    if (nr % 2 == 0)
      p.syscalls.push_back(Syscall{nr, {}, errno_action(EPERM)});
    else
      p.syscalls.push_back(
          Syscall{nr, {Rule{{Cond{0, ~0ull, 12345}}, errno_action(EDOM)}}, errno_action(ERANGE)});
  }
  auto prog = compile(p);
  EXPECT_LT(prog.size(), 4096u);
  EXPECT_EQ(under_filter(prog,
                         [] {
                           int r = 0;
                           for (int nr = 1000; nr < 1300; nr += 37) {
                             long rc = syscall(nr);
                             int want = nr % 2 == 0 ? EPERM : ERANGE;
                             if (!(rc == -1 && errno == want)) r |= 1;
                             if (nr % 2 == 1 && !(syscall(nr, 12345) == -1 && errno == EDOM))
                               r |= 2;
                           }
                           if (!(syscall(1300) == -1 && errno == ENOSYS))
                             r |= 4;  // past the table: allowed
                           return r;
                         }),
            0);
}

}  // namespace
}  // namespace nucleus::security::seccomp
