#include "container/log_pump.h"

#include <unistd.h>

namespace nucleus::container {

void LogPump::poll_fds(pollfd* slots) const {
  slots[0] = {fds_[0], POLLIN, 0};
  slots[1] = {fds_[1], POLLIN, 0};
  slots[2] = {-1, 0, 0};
}

bool LogPump::copy(int i) {
  if (fds_[i] < 0) return false;
  char buf[16384];
  ssize_t n = ::read(fds_[i], buf, sizeof buf);
  if (n <= 0) return false;
  log_.write(i == 0 ? "stdout" : "stderr", std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

void LogPump::pump(const pollfd* slots) {
  for (int i = 0; i < 2; i++) {
    if (slots[i].fd < 0 || slots[i].revents == 0) continue;
    // A hung-up pty (the workload closed its terminal) would wake the loop forever.
    if (!copy(i) && (slots[i].revents & (POLLHUP | POLLERR))) fds_[i] = -1;
  }
}

void LogPump::drain() {
  for (int i = 0; i < 2; i++) {
    while (copy(i)) {
    }
  }
}

}  // namespace nucleus::container
