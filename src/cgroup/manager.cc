#include "cgroup/manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>

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

std::vector<std::string> roots_of(const Layout& layout) {
  std::vector<std::string> roots;
  if (layout.mode == Mode::kV2) roots.push_back(layout.v2_root);
  for (const auto& [ctrl, root] : layout.v1) roots.push_back(root);
  std::sort(roots.begin(), roots.end());
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
  return roots;
}

std::vector<std::pair<std::string, int64_t>> list_containers(const Layout& layout) {
  std::map<std::string, int64_t> ages;
  int64_t now = static_cast<int64_t>(::time(nullptr));
  for (const auto& root : roots_of(layout)) {
    DIR* d = ::opendir((root + "/nucleus").c_str());
    if (d == nullptr) continue;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n.size() != 64 || n.find_first_not_of("0123456789abcdef") != std::string_view::npos)
        continue;
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      int64_t age = now - static_cast<int64_t>(st.st_ctime);
      auto [it, fresh] = ages.emplace(std::string(n), age);
      if (!fresh) it->second = std::max(it->second, age);
    }
    ::closedir(d);
  }
  return {ages.begin(), ages.end()};
}

void remove_in_every_hierarchy(const std::string& path, const std::string& base) {
  std::vector<std::string> roots = {base};
  if (DIR* d = ::opendir(base.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') roots.push_back(base + "/" + e->d_name);
    }
    ::closedir(d);
  }
  for (const auto& root : roots) {
    UniqueFd dir(::open((root + path).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir) {
      for (pid_t pid : read_pids(dir.get())) ::kill(pid, SIGKILL);
      dir.reset();
      (void)remove_dir(root, path);  // and the emptied parents
    } else {
      ::rmdir((root + "/nucleus").c_str());
    }
  }
}

Result<int> remove_leftover(const Layout& layout, const std::string& path) {
  std::vector<std::string> roots = roots_of(layout);
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
