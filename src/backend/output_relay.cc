#include "backend/output_relay.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/pipe.h"

namespace nucleus::backend::gvisor {
namespace {

bool regular_file(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

Result<> nonblocking_pipe(UniqueFd& r, UniqueFd& w) {
  auto p = TRY(make_pipe());
  r = std::move(p.read);
  w = std::move(p.write);
  ::fcntl(r.get(), F_SETFL, O_NONBLOCK);
  return {};
}

}  // namespace

Result<> OutputRelay::prepare(int stdio[3]) {
  if (!regular_file(STDOUT_FILENO) && !regular_file(STDERR_FILENO)) return {};
  TRY(nonblocking_pipe(out_r_, out_w_));
  TRY(nonblocking_pipe(err_r_, err_w_));
  stdio[1] = out_w_.get(), stdio[2] = err_w_.get();
  relay_.emplace(out_r_.get(), err_r_.get(), process::to_own_stdio());
  return {};
}

}  // namespace nucleus::backend::gvisor
