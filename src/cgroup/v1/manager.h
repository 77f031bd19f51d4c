#pragma once

#include <map>

#include "cgroup/dir.h"
#include "cgroup/manager.h"
#include "util/unique_fd.h"

namespace nucleus::cgroup::v1 {

// The control files that nucleus's limits set, in order.
Result<std::vector<Write>> limit_writes(const spec::Resources& r, bool has_memsw);

// cgroup v1: one directory per controller hierarchy, only for the controllers the limits need
// (each extra hierarchy is one more mkdir and rmdir on the start path).
class Manager final : public cgroup::Manager {
 public:
  Manager(std::map<std::string, std::string> hierarchies, std::string path, bool fake);
  ~Manager() override;
  Result<> create(const spec::Resources& r) override;
  Result<> add(pid_t pid) override;
  void kill_all() override;
  Result<> remove() override;
  std::vector<std::string> paths() const override;

  // cgroup v2 cpu.weight (1..10000) -> v1 cpu.shares (2..262144), as the OCI runtimes map it.
  static uint64_t weight_to_shares(uint64_t weight);

 private:
  Result<> write_limits(const spec::Resources& r);
  Result<> put(const std::string& ctrl, const char* file, std::string_view value);

  std::map<std::string, std::string> hierarchies_;  // controller -> mount point
  std::string path_;
  bool fake_;
  std::map<std::string, UniqueFd> dirs_;  // controller -> created directory
};

}  // namespace nucleus::cgroup::v1
