// One interface over cgroup v1 and v2: create the container's cgroup at an absolute path under
// each hierarchy root, apply limits, place processes, and remove it all again.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "cgroup/layout.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::cgroup {

class Manager {
 public:
  virtual ~Manager() = default;
  // Creates the cgroup(s) and writes the limits; on failure nothing is left.
  virtual Result<> create(const spec::Resources& r) = 0;
  // v2: a descriptor for CLONE_INTO_CGROUP; -1 where processes must be added by pid.
  virtual int clone_fd() const { return -1; }
  virtual Result<> add(pid_t pid) = 0;
  // Kills every process still in the cgroup(s).
  virtual void kill_all() = 0;
  // Removes the cgroup(s), waiting briefly for exiting tasks; idempotent.
  virtual Result<> remove() = 0;
  // The directories created, for inspection and tests.
  virtual std::vector<std::string> paths() const = 0;
};

// `path` is absolute under each hierarchy root ("/nucleus/<id>").
Result<std::unique_ptr<Manager>> make(const Layout& layout, const std::string& path);

// Every hierarchy root nucleus uses (v2 root, or each distinct v1 mount).
std::vector<std::string> roots_of(const Layout& layout);

// Container cgroups (/nucleus/<64 hex>) present in any hierarchy, with the age in seconds of
// the oldest directory of each.
std::vector<std::pair<std::string, int64_t>> list_containers(const Layout& layout);

// Kills what runs in `path` and removes it, with the shared /nucleus parent where empty, in
// every mounted hierarchy, also those nucleus does not use itself (runsc makes its cgroups in
// all of them).
void remove_in_every_hierarchy(const std::string& path, const std::string& base = "/sys/fs/cgroup");

// Kills whatever is left in `path` under every hierarchy and removes it: for cgroups whose
// nucleus died before it could clean up. Returns how many directories were removed.
Result<int> remove_leftover(const Layout& layout, const std::string& path);

}  // namespace nucleus::cgroup
