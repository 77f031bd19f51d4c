// Directory and control-file helpers shared by the v1 and v2 backends.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "util/result.h"
#include "util/unique_fd.h"

#include "spec/spec.h"

namespace nucleus::cgroup {

// One control file to write: controller (v1 hierarchy, or the v2 controller it belongs to),
// file, value.
struct Write {
  std::string controller;
  const char* file;
  std::string value;
};

// The controllers that these limits need; `io` names the I/O controller ("io" in v2, "blkio"
// in v1).
std::vector<std::string> controllers_for(const spec::Resources& r, const char* io);

// Creates root+path (parents as needed; the last component must be new) and opens it.
Result<UniqueFd> make_dir(const std::string& root, const std::string& path);
// Writes a control file; `fake` creates it (tests on a plain directory).
Result<> write_file(int dirfd, const std::string& dir, const char* file, std::string_view value,
                    bool fake);
bool has_file(int dirfd, const char* file);
std::vector<pid_t> read_pids(int dirfd);
// Removes root+path, retrying while exiting tasks still hold it; then the now-empty parents
// up to (not including) root, best effort. A missing directory is success.
Result<> remove_dir(const std::string& root, const std::string& path);

}  // namespace nucleus::cgroup
