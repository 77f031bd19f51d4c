// A workload's stdout and stderr pipes (or its pty master) pumped into a sink: the container log
// of a detached monitor, or the caller's own descriptors.
#pragma once

#include <functional>
#include <string_view>

#include "process/io_pump.h"

namespace nucleus::process {

class StreamPump : public IoPump {
 public:
  // stream: 1 for stdout, 2 for stderr.
  using Sink = std::function<void(int stream, std::string_view data)>;
  // fds: stdout, stderr (-1 when absent: a pty carries both on `out`).
  StreamPump(int out, int err, Sink sink) : sink_(std::move(sink)), fds_{out, err} {}
  void poll_fds(pollfd* slots) const override;
  void pump(const pollfd* slots) override;
  void drain() override;

 private:
  bool copy(int i);
  Sink sink_;
  int fds_[2];
};

// A sink writing to this process's own stdout and stderr (whole writes, EINTR retried).
StreamPump::Sink to_own_stdio();

}  // namespace nucleus::process
