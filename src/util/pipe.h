// A pipe whose two ends are owned (and close-on-exec).
#pragma once

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus {

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_pipe();

}  // namespace nucleus
