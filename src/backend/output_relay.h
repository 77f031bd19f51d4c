// runsc gives the sandbox a regular file passed as stdout and stderr at an offset of each own
// (so `> log 2>&1` loses lines, and output overwrites what the file already had): when either is
// a regular file, the workload gets pipes instead, which nucleus copies out.
#pragma once

#include <optional>

#include "process/stream_pump.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::backend::gvisor {

class OutputRelay {
 public:
  // stdio[1] and stdio[2] become pipe ends when our stdout or stderr is a regular file.
  Result<> prepare(int stdio[3]);
  // After runsc started: only it holds the write ends.
  void started() { out_w_.reset(), err_w_.reset(); }
  // What the monitor pumps (null when nothing is relayed).
  process::IoPump* pump() { return relay_ ? &*relay_ : nullptr; }

 private:
  UniqueFd out_r_, out_w_, err_r_, err_w_;
  std::optional<process::StreamPump> relay_;
};

}  // namespace nucleus::backend::gvisor
