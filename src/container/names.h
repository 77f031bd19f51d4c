// Container names are unique while the container lives: an flock held on a file per name under
// the state directory. The lock dies with its holder, so a crashed nucleus frees the name.
#pragma once

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::container {

// /run/nucleus for root; $XDG_RUNTIME_DIR/nucleus (or /tmp/nucleus-UID) otherwise.
std::string state_root();

class NameLock {
 public:
  NameLock() = default;
  static Result<NameLock> acquire(const std::string& root, const std::string& name);
  NameLock(NameLock&&) = default;
  NameLock& operator=(NameLock&&) = default;
  ~NameLock();

 private:
  std::string path_;
  UniqueFd fd_;
};

}  // namespace nucleus::container
