// Private working directories of the state root (.work-XXXXXX, 0700) for what a command makes and
// throws away again: fork's checkpoint, a foreground restore's CRIU files. Each is locked (flock)
// by its maker for as long as it lives, so that `nucleus gc` removes only those whose maker was
// killed.
#pragma once

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace nucleus::container {

class WorkDir {
 public:
  static Result<WorkDir> make();
  WorkDir(WorkDir&&) = default;
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir();
  const std::string& path() const { return path_; }
  // Kept as <state root>/NAME (out of gc's reach); its path.
  Result<std::string> keep(const std::string& name);

 private:
  WorkDir() = default;
  std::string path_;
  UniqueFd lock_;
};

// Removes the work directories under `root` that no live process holds (gc).
void sweep_work_dirs(const std::string& root);

}  // namespace nucleus::container
