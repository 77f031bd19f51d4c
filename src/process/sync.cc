#include "process/sync.h"

#include <sys/socket.h>

#include <cstring>

namespace nucleus::process {

bool child_send(int fd, MsgType type, int err, const char* text, int pass_fd, int op) noexcept {
  Msg m{};
  m.type = type;
  m.err = err;
  m.op = op;
  if (text != nullptr) std::strncpy(m.text, text, sizeof m.text - 1);
  iovec iov{&m, sizeof m};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  if (pass_fd >= 0) {
    h.msg_control = cbuf;
    h.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  for (;;) {
    ssize_t n = ::sendmsg(fd, &h, MSG_NOSIGNAL);
    if (n >= 0) return true;
    if (errno != EINTR) return false;
  }
}

bool child_wait_go(int fd) noexcept {
  Msg m{};
  for (;;) {
    ssize_t n = ::recv(fd, &m, sizeof m, 0);
    if (n < 0 && errno == EINTR) continue;
    return n == static_cast<ssize_t>(sizeof m) && m.type == MsgType::kGo;
  }
}

Result<> send_go(int fd) {
  Msg m{};
  m.type = MsgType::kGo;
  if (::send(fd, &m, sizeof m, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof m))
    return fail_errno("signal the container init");
  return {};
}

ssize_t receive_with_fd(int fd, void* buf, size_t len, UniqueFd* passed) {
  iovec iov{buf, len};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = cbuf;
  h.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = ::recvmsg(fd, &h, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && passed != nullptr) {
      int pfd;
      std::memcpy(&pfd, CMSG_DATA(c), sizeof(int));
      passed->reset(pfd);
    }
  }
  return n;
}

Result<Msg> receive(int fd, bool* eof, UniqueFd* passed) {
  Msg m{};
  ssize_t n = receive_with_fd(fd, &m, sizeof m, passed);
  if (n < 0) return fail_errno("read from the container init");
  *eof = n == 0;
  if (n == 0) return m;
  if (n != static_cast<ssize_t>(sizeof m))
    return fail_invalid("short message from the container init");
  m.text[sizeof m.text - 1] = '\0';
  return m;
}

}  // namespace nucleus::process
