// The console socket of runsc (--console-socket): for a terminal (-t), runsc makes the pty and
// sends its master over this AF_UNIX socket (SCM_RIGHTS), as runc does for the engines.
#pragma once

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::backend::gvisor {

class ConsoleSocket {
 public:
  // Listens at `path` (a stale socket there is removed first; the directory must be private).
  static Result<ConsoleSocket> listen(const std::string& path);
  ConsoleSocket(ConsoleSocket&& o) noexcept : path_(std::move(o.path_)), fd_(std::move(o.fd_)) {
    o.path_.clear();
  }
  ~ConsoleSocket();
  const std::string& path() const { return path_; }
  // The pty master runsc sends: waits until it comes, runsc ends (runsc_pidfd readable) or 60 s.
  Result<UniqueFd> receive(int runsc_pidfd);

 private:
  ConsoleSocket() = default;
  std::string path_;
  UniqueFd fd_;
};

}  // namespace nucleus::backend::gvisor
