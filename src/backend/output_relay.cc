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

}  // namespace

Result<> OutputRelay::prepare(int stdio[3]) {
  if (!regular_file(STDOUT_FILENO) && !regular_file(STDERR_FILENO)) return {};
  auto out = TRY(make_pipe(true)), err = TRY(make_pipe(true));
  out_r_ = std::move(out.read), out_w_ = std::move(out.write);
  err_r_ = std::move(err.read), err_w_ = std::move(err.write);
  stdio[1] = out_w_.get(), stdio[2] = err_w_.get();
  relay_.emplace(out_r_.get(), err_r_.get(), process::to_own_stdio());
  return {};
}

}  // namespace nucleus::backend::gvisor
