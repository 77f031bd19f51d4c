// What /proc says of a process: its stat fields and its children.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nucleus::proc {

// /proc/PID/stat's fields from the state on (field 3 of proc(5)): the command before them may
// hold spaces and parentheses, so they start after its last ')'. None for a missing process.
class Stat {
 public:
  static std::optional<Stat> read(pid_t pid);
  // Field n, numbered as in proc(5) (3: state, 4: ppid, 14: utime, 22: starttime); "" past
  // the end.
  std::string_view field(size_t n) const;

 private:
  std::vector<std::string> fields_;
};

// The children of every thread of pid (/proc/PID/task/*/children).
std::vector<pid_t> children(pid_t pid);

}  // namespace nucleus::proc
