#include "process/child_init.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace nucleus::process {

ChildError child_fork_init(const plan::Plan& p) noexcept {
  // Everything blocked first: a blocked signal is queued even for a namespace's init without a
  // handler, so none is lost between the fork and the loop below.
  sigset_t all, before;
  sigfillset(&all);
  if (::sigprocmask(SIG_BLOCK, &all, &before) != 0) return ChildError{errno, "init: block signals"};
  pid_t command = ::fork();
  if (command < 0) return ChildError{errno, "init: fork the command"};
  if (command == 0) {
    ::sigprocmask(SIG_SETMASK, &before, nullptr);
    return {};
  }
  // Never executing, the init would keep every close-on-exec descriptor: the sync socket (the
  // command reports its execve, or why it failed), the monitor's pipes and files.
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  for (;;) {
    siginfo_t si{};
    int sig = ::sigwaitinfo(&all, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      // The terminal signals its whole foreground group, the command included.
      if (si.si_code != SI_KERNEL || !p.terminal) ::kill(command, sig);
      continue;
    }
    int status = 0;
    for (pid_t done; (done = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      if (done != command) continue;  // an orphan reparented here, reaped
      ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
  }
}

}  // namespace nucleus::process
