#include "container/work_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>

#include <string_view>

#include "container/root.h"
#include "util/fs.h"

namespace nucleus::container {
namespace {

constexpr std::string_view kPrefix = ".work-";

UniqueFd open_dir(const std::string& path) {
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

}  // namespace

Result<WorkDir> WorkDir::make() {
  TRY(fs::make_private_dir(state_root()));
  WorkDir w;
  w.path_ = state_root() + "/" + std::string(kPrefix) + "XXXXXX";
  if (!::mkdtemp(w.path_.data())) return fail_errno("create {}", w.path_);
  w.lock_ = open_dir(w.path_);
  if (!w.lock_ || ::flock(w.lock_.get(), LOCK_EX) != 0) {
    int err = errno;
    fs::remove_tree(w.path_);
    return fail(Error::from_errno(err, "lock {}", w.path_));
  }
  return w;
}

WorkDir::~WorkDir() {
  if (lock_) fs::remove_tree(path_);
}

Result<std::string> WorkDir::keep(const std::string& name) {
  std::string to = state_root() + "/" + name;
  if (::rename(path_.c_str(), to.c_str()) != 0) return fail_errno("rename {} to {}", path_, to);
  lock_.reset();
  return to;
}

void sweep_work_dirs(const std::string& root) {
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (std::string_view(e->d_name).rfind(kPrefix, 0) != 0) continue;
    std::string path = root + "/" + e->d_name;
    UniqueFd fd = open_dir(path);
    // Its maker holds the lock while it lives.
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) fs::remove_tree(path);
  }
  ::closedir(d);
}

}  // namespace nucleus::container
