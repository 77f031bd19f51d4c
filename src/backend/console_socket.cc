#include "backend/console_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "process/sync.h"

namespace nucleus::backend::gvisor {
namespace {

constexpr int kReceiveMs = 60000;

// Waits for fd to be readable; false when runsc ended first or the time is up.
bool readable(int fd, int runsc_pidfd) {
  pollfd p[2] = {{fd, POLLIN, 0}, {runsc_pidfd, POLLIN, 0}};
  int n;
  while ((n = ::poll(p, 2, kReceiveMs)) < 0 && errno == EINTR) {
  }
  return n > 0 && (p[0].revents & POLLIN);
}

}  // namespace

Result<ConsoleSocket> ConsoleSocket::listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return fail_invalid("{}: too long for a socket path (use a shorter --root)", path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ConsoleSocket c;
  c.fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!c.fd_) return fail_errno("socket");
  ::unlink(path.c_str());
  if (::bind(c.fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fail_errno("bind {}", path);
  c.path_ = path;
  if (::listen(c.fd_.get(), 1) != 0) return fail_errno("listen {}", path);
  return c;
}

ConsoleSocket::~ConsoleSocket() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

Result<UniqueFd> ConsoleSocket::receive(int runsc_pidfd) {
  if (!readable(fd_.get(), runsc_pidfd))
    return fail_invalid("runsc did not send the terminal of the sandbox");
  UniqueFd conn(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return fail_errno("accept on {}", path_);
  if (!readable(conn.get(), runsc_pidfd))
    return fail_invalid("runsc did not send the terminal of the sandbox");
  char data[256];
  UniqueFd master;
  if (process::receive_with_fd(conn.get(), data, sizeof data, &master) < 0)
    return fail_errno("read the terminal from runsc");
  if (master) return master;
  return fail_invalid("runsc sent no terminal over {}", path_);
}

}  // namespace nucleus::backend::gvisor
