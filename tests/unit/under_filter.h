// Runs a function under a compiled seccomp filter in a forked child (no root needed).
#pragma once

#include <errno.h>
#include <linux/filter.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <vector>

namespace nucleus::testing {

// fn's exit code, or 128+signal; 99 when the filter could not be loaded.
inline int under_filter(const std::vector<sock_filter>& prog, const std::function<int()>& fn,
                        unsigned flags = 0) {
  pid_t pid = fork();
  if (pid == 0) {
    sock_fprog fp{static_cast<unsigned short>(prog.size()), const_cast<sock_filter*>(prog.data())};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, 1, flags, &fp) != 0)
      _exit(99);
    _exit(fn());
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

inline int errno_of(long rc) {
  return rc < 0 ? errno : 0;
}

}  // namespace nucleus::testing
