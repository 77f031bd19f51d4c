#include "backend/output_relay.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nucleus::backend::gvisor {
namespace {

bool regular_file(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

Result<> make_pipe(UniqueFd& r, UniqueFd& w) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe");
  r.reset(p[0]);
  w.reset(p[1]);
  ::fcntl(r.get(), F_SETFL, O_NONBLOCK);
  return {};
}

}  // namespace

Result<> OutputRelay::prepare(int stdio[3]) {
  if (!regular_file(STDOUT_FILENO) && !regular_file(STDERR_FILENO)) return {};
  TRY(make_pipe(out_r_, out_w_));
  TRY(make_pipe(err_r_, err_w_));
  stdio[1] = out_w_.get(), stdio[2] = err_w_.get();
  relay_.emplace(out_r_.get(), err_r_.get(), process::to_own_stdio());
  return {};
}

}  // namespace nucleus::backend::gvisor
