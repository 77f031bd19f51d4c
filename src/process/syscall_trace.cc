#include "process/syscall_trace.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "util/log.h"

namespace nucleus::process {

SyscallTrace::SyscallTrace(UniqueFd listener, UniqueFd stop, UniqueFd done)
    : listener_(std::move(listener)), stop_(std::move(stop)), done_(std::move(done)) {}

Result<std::unique_ptr<SyscallTrace>> SyscallTrace::start(UniqueFd listener) {
  UniqueFd stop(::eventfd(0, EFD_CLOEXEC)), done(::eventfd(0, EFD_CLOEXEC));
  if (!stop || !done) return fail_errno("eventfd");
  std::unique_ptr<SyscallTrace> t(
      new SyscallTrace(std::move(listener), std::move(stop), std::move(done)));
  t->thread_ = std::thread([p = t.get()] { p->serve(); });
  return t;
}

SyscallTrace::~SyscallTrace() {
  if (thread_.joinable()) (void)finish(0);
}

void SyscallTrace::serve() {
  // The kernel's structures may grow: their sizes are asked for, and the buffers zeroed.
  seccomp_notif_sizes sizes{};
  if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    log::error("seccomp trace: {}", std::strerror(errno));
    return;
  }
  std::vector<unsigned char> req_buf(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
  std::vector<unsigned char> resp_buf(
      std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)));
  auto* req = reinterpret_cast<seccomp_notif*>(req_buf.data());
  auto* resp = reinterpret_cast<seccomp_notif_resp*>(resp_buf.data());
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;
    if (fds[0].revents & POLLIN) {
      std::fill(req_buf.begin(), req_buf.end(), 0);
      if (::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
        if (errno == EINTR || errno == ENOENT) continue;  // the caller died meanwhile
        break;
      }
      counts_[req->data.nr]++;
      access_.note(listener_.get(), *req);
      std::fill(resp_buf.begin(), resp_buf.end(), 0);
      resp->id = req->id;
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      (void)::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, resp);  // ENOENT: it died
      continue;
    }
    if (fds[0].revents & (POLLHUP | POLLERR)) break;  // no process uses the filter any more
  }
  uint64_t one = 1;
  (void)!::write(done_.get(), &one, sizeof one);
}

std::map<int, uint64_t> SyscallTrace::finish(int grace_ms) {
  pollfd done{done_.get(), POLLIN, 0};
  int r;
  do r = ::poll(&done, 1, grace_ms);
  while (r < 0 && errno == EINTR);
  uint64_t one = 1;
  if (r == 0 && ::write(stop_.get(), &one, sizeof one) != sizeof one)
    log::error("seccomp trace: stop: {}", std::strerror(errno));
  thread_.join();
  listener_.reset();
  return std::move(counts_);
}

}  // namespace nucleus::process
