#include "process/sync.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace nucleus::process {

namespace {

// One sendmsg of len bytes, with `pass` by SCM_RIGHTS when it is a descriptor; EINTR retried.
// No allocation: the child side uses it too.
bool send_raw(int fd, const void* data, size_t len, int pass) noexcept {
  iovec iov{const_cast<void*>(data), len};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  if (pass >= 0) {
    h.msg_control = cbuf;
    h.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass, sizeof(int));
  }
  for (;;) {
    if (::sendmsg(fd, &h, MSG_NOSIGNAL) >= 0) return true;
    if (errno != EINTR) return false;
  }
}

}  // namespace

bool child_send(int fd, MsgType type, int err, const char* text, int pass_fd, int op) noexcept {
  Msg m{};
  m.type = type;
  m.err = err;
  m.op = op;
  if (text != nullptr) std::strncpy(m.text, text, sizeof m.text - 1);
  return send_raw(fd, &m, sizeof m, pass_fd);
}

bool child_wait_go(int fd, int* passed) noexcept {
  Msg m{};
  iovec iov{&m, sizeof m};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = cbuf;
  h.msg_controllen = sizeof cbuf;
  if (passed != nullptr) *passed = -1;
  ssize_t n;
  do {
    n = ::recvmsg(fd, &h, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  for (cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&h) : nullptr; c != nullptr; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int pfd;
    std::memcpy(&pfd, CMSG_DATA(c), sizeof(int));
    if (passed != nullptr) {
      *passed = pfd;
    } else {
      ::close(pfd);
    }
  }
  return n == static_cast<ssize_t>(sizeof m) && m.type == MsgType::kGo;
}

Result<> send_go(int fd, int pass_fd) {
  if (!child_send(fd, MsgType::kGo, 0, nullptr, pass_fd))
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

Result<> send_with_fd(int fd, std::string_view data, int pass) {
  if (!send_raw(fd, data.data(), data.size(), pass)) return fail_errno("send a descriptor");
  return {};
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
