#include "util/pipe.h"

#include <fcntl.h>
#include <unistd.h>

namespace nucleus {

Result<Pipe> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe");
  return Pipe{UniqueFd(p[0]), UniqueFd(p[1])};
}

}  // namespace nucleus
