#include "process/pty.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

namespace nucleus::process {
namespace {

void write_all(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    buf += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

PtyRelay::PtyRelay(int master, bool relay_stdin) : master_(master), stdin_open_(relay_stdin) {
  ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
  if (relay_stdin && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    termios raw = saved_;
    ::cfmakeraw(&raw);
    raw_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  // The initial window size was set by the child before exec (plan.rows/cols).
}

PtyRelay::~PtyRelay() {
  if (raw_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

bool caller_window_size(winsize* ws) {
  for (int fd : {STDIN_FILENO, STDOUT_FILENO}) {
    if (::ioctl(fd, TIOCGWINSZ, ws) == 0) return true;
  }
  return false;
}

void PtyRelay::resize() const {
  winsize ws{};
  if (caller_window_size(&ws)) ::ioctl(master_, TIOCSWINSZ, &ws);
}

void PtyRelay::poll_fds(pollfd* slots) const {
  slots[0] = {master_, POLLIN, 0};
  slots[1] = {stdin_open_ ? STDIN_FILENO : -1, POLLIN, 0};
  slots[2] = {-1, 0, 0};
}

bool PtyRelay::copy_out() {
  char buf[16384];
  ssize_t n = ::read(master_, buf, sizeof buf);
  if (n <= 0) return false;
  write_all(STDOUT_FILENO, buf, static_cast<size_t>(n));
  return true;
}

void PtyRelay::pump(const pollfd* two) {  // the first two slots
  if (two[0].revents & POLLIN) copy_out();
  if (two[1].fd >= 0 && (two[1].revents & (POLLIN | POLLHUP | POLLERR))) {
    char buf[16384];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0) {
      write_all(master_, buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      stdin_open_ = false;
      const char eot = 4;  // end of input, as a terminal's ^D
      write_all(master_, &eot, 1);
    }
  }
}

void PtyRelay::drain() {
  while (copy_out()) {
  }
}

}  // namespace nucleus::process
