#include "cgroup/manager.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "cgroup/dir.h"

#include "cgroup/v1/manager.h"
#include "cgroup/v2/manager.h"

namespace nucleus::cgroup {

Result<std::unique_ptr<Manager>> make(const Layout& layout, const std::string& path) {
  switch (layout.mode) {
    case Mode::kV2:
      return std::make_unique<v2::Manager>(layout.v2_root, path, layout.fake);
    case Mode::kV1:
    case Mode::kHybrid:
      // Hybrid hosts keep their controllers in v1; the cgroup2 mount there has none to offer.
      return std::make_unique<v1::Manager>(layout.v1, path, layout.fake);
    case Mode::kNone:
      break;
  }
  return fail_invalid("no cgroup hierarchy found under /sys/fs/cgroup");
}

Result<int> remove_leftover(const Layout& layout, const std::string& path) {
  std::vector<std::string> roots;
  if (layout.mode == Mode::kV2) roots.push_back(layout.v2_root);
  for (const auto& [ctrl, root] : layout.v1) roots.push_back(root);
  int removed = 0;
  for (const auto& root : roots) {
    UniqueFd dir(::open((root + path).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) continue;
    for (pid_t pid : read_pids(dir.get())) ::kill(pid, SIGKILL);
    dir.reset();
    TRY(remove_dir(root, path));
    removed++;
  }
  return removed;
}

}  // namespace nucleus::cgroup
