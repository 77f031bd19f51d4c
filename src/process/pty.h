// Relays a container's pty master to the caller's stdin/stdout; puts the caller's terminal in
// raw mode for the duration (restored on destruction) and passes the window size through.
#pragma once

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "process/io_pump.h"

namespace nucleus::process {

// The caller's terminal size (from stdin, else stdout); false when neither is a terminal.
bool caller_window_size(winsize* ws);

class PtyRelay : public IoPump {
 public:
  PtyRelay(int master, bool relay_stdin);
  ~PtyRelay() override;
  PtyRelay(const PtyRelay&) = delete;
  PtyRelay& operator=(const PtyRelay&) = delete;

  // The master and (while it is open) stdin.
  void poll_fds(pollfd* slots) const override;
  void pump(const pollfd* slots) override;
  void resize() const override;
  void drain() override;

 private:
  bool copy_out();

  int master_;
  bool stdin_open_;
  bool raw_ = false;
  termios saved_{};
};

}  // namespace nucleus::process
