// The cgroup of a container that is already running (created by a Manager in its monitor):
// join it, freeze it, list its processes and read its usage, on v1 and v2 alike.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cgroup/layout.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::cgroup {

struct Usage {
  uint64_t cpu_usec = 0;
  uint64_t memory = 0;
  uint64_t memory_limit = 0;  // 0: unlimited
  uint64_t pids = 0;
  uint64_t io_read = 0, io_write = 0;  // bytes
};

class Live {
 public:
  Live(Layout layout, std::string path) : layout_(std::move(layout)), path_(std::move(path)) {}
  // v2: the directory for CLONE_INTO_CGROUP; an invalid descriptor on v1.
  Result<UniqueFd> clone_target() const;
  // Moves pid into the cgroup in every hierarchy where it exists.
  Result<> add(pid_t pid) const;
  // Freezes or thaws every process and waits until the kernel reports it done.
  Result<> freeze(bool frozen) const;
  bool frozen() const;
  std::vector<pid_t> pids() const;
  Usage usage() const;

 private:
  std::string dir_of(const char* v1_controller) const;
  Layout layout_;
  std::string path_;
};

}  // namespace nucleus::cgroup
