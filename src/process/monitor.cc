#include "process/monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

#include <utility>

namespace nucleus::process {
namespace {

sigset_t make_forwarded() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) sigaddset(&s, sig);
  return s;
}

int status_code(const siginfo_t& si) {
  if (si.si_code == CLD_EXITED) return si.si_status;
  return 128 + si.si_status;  // CLD_KILLED, CLD_DUMPED
}

}  // namespace

const sigset_t& forwarded_signals() {
  static const sigset_t s = make_forwarded();
  return s;
}

Result<> block_forwarded_signals() {
  if (::sigprocmask(SIG_BLOCK, &forwarded_signals(), nullptr) != 0)
    return fail_errno("sigprocmask");
  return {};
}

Result<ExitStatus> monitor(Launched& child, const MonitorOptions& opts, IoPump* io) {
  UniqueFd sfd(::signalfd(-1, &forwarded_signals(), SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sfd) return fail_errno("signalfd");

  ExitStatus st;
  std::function<void()> on_idle = opts.on_idle;
  int64_t deadline = opts.timeout_seconds
                         ? clock::monotonic_ms() + static_cast<int64_t>(opts.timeout_seconds) * 1000
                         : 0;
  for (;;) {
    pollfd fds[2 + IoPump::kSlots] = {{child.pidfd.get(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    for (int i = 2; i < 2 + IoPump::kSlots; i++) fds[i] = {-1, 0, 0};
    if (io) io->poll_fds(&fds[2]);
    int wait_ms = -1;
    if (deadline)
      wait_ms = static_cast<int>(std::max<int64_t>(0, deadline - clock::monotonic_ms()));
    if (on_idle && (wait_ms < 0 || wait_ms > opts.idle_ms)) wait_ms = opts.idle_ms;
    int n = ::poll(fds, 2 + IoPump::kSlots, wait_ms);
    if (n == 0 && on_idle) std::exchange(on_idle, nullptr)();
    if (n < 0 && errno != EINTR) return fail_errno("poll");
    if (deadline && clock::monotonic_ms() >= deadline && !st.timed_out) {
      log::error("timeout: {}s passed, killing the sandbox", opts.timeout_seconds);
      ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
      st.timed_out = true;
      deadline = 0;
    }
    if (n <= 0) continue;
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo si{};
      while (::read(sfd.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo == SIGWINCH) {
          if (io) io->resize();
          continue;
        }
        if (opts.forward) {
          opts.forward(static_cast<int>(si.ssi_signo));
        } else {
          ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), si.ssi_signo, nullptr, 0);
        }
      }
    }
    if (io) io->pump(&fds[2]);
    if (fds[0].revents & POLLIN) break;
  }
  siginfo_t si{};
  if (::waitid(P_PIDFD, static_cast<id_t>(child.pidfd.get()), &si, WEXITED) != 0)
    return fail_errno("wait for the container init");
  if (io) io->drain();
  st.code = status_code(si);
  return st;
}

}  // namespace nucleus::process
