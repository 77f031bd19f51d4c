#include "container/report_pipe.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

namespace nucleus::container {

int Report::failed(const Error& e) {
  send(fmt::format("{} {}", e.exit_code, e.what()));
  return e.exit_code;
}

void Report::send(const std::string& text) {
  if (fd_ < 0) return;
  (void)!::write(fd_, text.data(), text.size());
  ::close(fd_);
  fd_ = -1;
}

void detach_self(int& report_fd) {
  ::setsid();
  if (::chdir("/") != 0) std::abort();
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd <= 2; fd++) ::dup2(null, fd);
  ::dup3(report_fd, 3, O_CLOEXEC);
  report_fd = 3;
  ::syscall(SYS_close_range, 4, ~0u, 0);
}

Result<> read_report(int fd, const std::string& id, const char* what) {
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) text.append(buf, static_cast<size_t>(n));
  if (text == "0") return {};
  if (text.empty()) {
    return fail_invalid(
        "container {}: {} died while starting (`nucleus rm -f {}` removes what is left)",
        id.substr(0, 12), what, id.substr(0, 12));
  }
  size_t sp = text.find(' ');
  Error e{0, text.substr(sp + 1)};
  e.exit_code = std::atoi(text.substr(0, sp).c_str());
  return fail(e);
}

}  // namespace nucleus::container
