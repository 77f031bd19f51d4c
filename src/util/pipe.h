// A pipe whose two ends are owned (and close-on-exec).
#pragma once

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus {

struct Pipe {
  UniqueFd read, write;
};

// nonblocking_read: the read end O_NONBLOCK (for a poll loop that drains it).
Result<Pipe> make_pipe(bool nonblocking_read = false);

}  // namespace nucleus
