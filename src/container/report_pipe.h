// A detached child (the monitor of `run -d`, the reporter of `exec -d`) tells the command that
// forked it how its start went over a pipe: "0", or "<exit code> <message>".
#pragma once

#include <string>

#include "util/result.h"

namespace nucleus::container {

class Report {
 public:
  explicit Report(int fd) : fd_(fd) {}
  int failed(const Error& e);
  void ok() { send("0"); }

 private:
  void send(const std::string& text);
  int fd_;
};

// A session of its own, stdio on /dev/null, and no descriptor but the report pipe (moved to 3):
// a detached child must not hold the caller's pipes (or stray inherited descriptors) open.
void detach_self(int& report_fd);

// The report, read to its end; `what` names who died without one ("its monitor").
Result<> read_report(int fd, const std::string& id, const char* what);

}  // namespace nucleus::container
