// The detached monitor's I/O: the workload's stdout and stderr pipes (or its pty master) into
// the container log.
#pragma once

#include "container/logfile.h"
#include "process/io_pump.h"

namespace nucleus::container {

class LogPump : public process::IoPump {
 public:
  // fds: stdout, stderr (-1 when absent: a pty carries both on `out`).
  LogPump(LogWriter& log, int out, int err) : log_(log), fds_{out, err} {}
  void poll_fds(pollfd* slots) const override;
  void pump(const pollfd* slots) override;
  void drain() override;

 private:
  bool copy(int i);
  LogWriter& log_;
  int fds_[2];
};

}  // namespace nucleus::container
