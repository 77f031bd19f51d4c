#include "process/stream_pump.h"

#include <cerrno>

#include <unistd.h>

namespace nucleus::process {

void StreamPump::poll_fds(pollfd* slots) const {
  slots[0] = {fds_[0], POLLIN, 0};
  slots[1] = {fds_[1], POLLIN, 0};
  slots[2] = {-1, 0, 0};
}

bool StreamPump::copy(int i) {
  if (fds_[i] < 0) return false;
  char buf[16384];
  ssize_t n = ::read(fds_[i], buf, sizeof buf);
  if (n <= 0) return false;
  sink_(i + 1, std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

void StreamPump::pump(const pollfd* slots) {
  for (int i = 0; i < 2; i++) {
    if (slots[i].fd < 0 || slots[i].revents == 0) continue;
    // A hung-up pty (the workload closed its terminal) would wake the loop forever.
    if (!copy(i) && (slots[i].revents & (POLLHUP | POLLERR))) fds_[i] = -1;
  }
}

void StreamPump::drain() {
  for (int i = 0; i < 2; i++) {
    while (copy(i)) {
    }
  }
}

StreamPump::Sink to_own_stdio() {
  return [](int stream, std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(stream, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the reader went away: the workload's output is dropped
      data.remove_prefix(static_cast<size_t>(n));
    }
  };
}

}  // namespace nucleus::process
