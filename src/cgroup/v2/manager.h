#pragma once

#include "cgroup/dir.h"
#include "cgroup/manager.h"
#include "util/unique_fd.h"

namespace nucleus::cgroup::v2 {

// The control files that nucleus's limits set, in order.
Result<std::vector<Write>> limit_writes(const spec::Resources& r, bool has_swap);
// Makes sure each controller is enabled in the subtree_control of every ancestor of path
// (made as needed).
Result<> enable_controllers(const std::string& root, const std::string& path,
                            const std::vector<std::string>& ctrls, bool fake);

class Manager final : public cgroup::Manager {
 public:
  Manager(std::string root, std::string path, bool fake);
  ~Manager() override;
  Result<> create(const spec::Resources& r) override;
  int clone_fd() const override { return fd_.get(); }
  Result<> add(pid_t pid) override;
  void kill_all() override;
  Result<> remove() override;
  std::vector<std::string> paths() const override;

 private:
  Result<> write_limits(const spec::Resources& r);

  std::string root_, path_;
  bool fake_;
  bool created_ = false;
  UniqueFd fd_;
};

}  // namespace nucleus::cgroup::v2
