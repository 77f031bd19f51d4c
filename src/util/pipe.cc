#include "util/pipe.h"

#include <fcntl.h>
#include <unistd.h>

namespace nucleus {

Result<Pipe> make_pipe(bool nonblocking_read) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe");
  if (nonblocking_read) ::fcntl(p[0], F_SETFL, O_NONBLOCK);
  return Pipe{UniqueFd(p[0]), UniqueFd(p[1])};
}

}  // namespace nucleus
