#include "container/names.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace nucleus::container {
namespace {

Result<> make_private_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail_errno("create {}", path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return fail_errno("stat {}", path);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
    return fail_invalid("{} is not a directory owned by uid {}", path, ::geteuid());
  return {};
}

}  // namespace

std::string state_root() {
  if (::geteuid() == 0) return "/run/nucleus";
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/nucleus";
  return fmt::format("/tmp/nucleus-{}", ::geteuid());
}

Result<NameLock> NameLock::acquire(const std::string& root, const std::string& name) {
  TRY(make_private_dir(root));
  TRY(make_private_dir(root + "/names"));
  NameLock l;
  l.path_ = root + "/names/" + name;
  for (;;) {
    UniqueFd fd(::open(l.path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return fail_errno("open {}", l.path_);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return fail_invalid("the name '{}' is already in use", name);
      return fail_errno("lock {}", l.path_);
    }
    // The holder before us may have unlinked the file between our open and our lock.
    struct stat a {
    }, b{};
    if (::fstat(fd.get(), &a) == 0 && ::lstat(l.path_.c_str(), &b) == 0 && a.st_ino == b.st_ino) {
      l.fd_ = std::move(fd);
      return l;
    }
  }
}

NameLock::~NameLock() {
  if (fd_) ::unlink(path_.c_str());  // still locked: nobody else holds this file
}

}  // namespace nucleus::container
