#include "util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include <vector>

namespace nucleus::fs {

namespace {
Kind kind_of_mode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return Kind::kDirectory;
    case S_IFREG:
      return Kind::kRegular;
    case S_IFLNK:
      return Kind::kSymlink;
    case S_IFCHR:
    case S_IFBLK:
      return Kind::kDevice;
    default:
      return Kind::kOther;
  }
}
}  // namespace

Result<Kind> kind_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Kind::kMissing;
    return fail_errno("stat {}", path);
  }
  return kind_of_mode(st.st_mode);
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kMissing:
      return "missing";
    case Kind::kDirectory:
      return "directory";
    case Kind::kRegular:
      return "regular file";
    case Kind::kSymlink:
      return "symlink";
    case Kind::kDevice:
      return "device";
    case Kind::kOther:
      return "special file";
  }
  return "?";
}

Result<UniqueFd> open_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail_errno("open {}", path);
  return fd;
}

namespace {
Result<std::string> read_all(int fd, const std::string& name) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read {}", name);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}
}  // namespace

Result<std::string> read_file(const std::string& path) {
  return read_file_at(AT_FDCWD, path);
}

Result<std::string> read_file_at(int dirfd, const std::string& name) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail_errno("open {}", name);
  return read_all(fd.get(), name);
}

Result<std::string> read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return fail_errno("readlink {}", path);
  if (n == static_cast<ssize_t>(sizeof buf)) return fail_invalid("readlink {}: too long", path);
  return std::string(buf, static_cast<size_t>(n));
}

Result<std::string> read_regular_file(const std::string& path, uint64_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd && errno == ELOOP) return fail_invalid("{} is a symlink, not a regular file", path);
  if (!fd) return fail_errno("open {}", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat {}", path);
  if (!S_ISREG(st.st_mode))
    return fail_invalid("{} is a {}, not a regular file", path,
                        kind_name(kind_of_mode(st.st_mode)));
  if (static_cast<uint64_t>(st.st_size) > max_size)
    return fail_invalid("{} is larger than {} bytes", path, max_size);
  return read_all(fd.get(), path);
}

Result<> write_existing_at(int dirfd, const std::string& name, std::string_view data) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail_errno("open {}", name);
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0) return fail_errno("write '{}' to {}", data, name);
  if (static_cast<size_t>(n) != data.size()) return fail_invalid("short write to {}", name);
  return {};
}

Result<std::string> normalize_abs(std::string_view path) {
  if (path.empty() || path[0] != '/') return fail_invalid("'{}' is not an absolute path", path);
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") return fail_invalid("'{}' contains '..'", path);
    if (!part.empty() && part != ".") parts.push_back(part);
    i = j + 1;
  }
  std::string out;
  for (auto p : parts) {
    out.push_back('/');
    out.append(p);
  }
  return out.empty() ? std::string("/") : out;
}

bool is_within(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  if (path.size() < dir.size() || path.compare(0, dir.size(), dir) != 0) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

Result<> make_private_dir(const std::string& path, bool parents) {
  if (parents) {
    // Missing parents as `mkdir -p` makes them (an engine's --root may be new, as runc allows).
    for (size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      std::string up = path.substr(0, slash);
      if (::mkdir(up.c_str(), 0711) != 0 && errno != EEXIST) return fail_errno("create {}", up);
    }
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail_errno("create {}", path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return fail_errno("stat {}", path);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
    return fail_invalid("{} is not a directory owned by uid {}", path, ::geteuid());
  return {};
}

Result<> write_atomic(const std::string& dir, const std::string& name, const std::string& data,
                      bool durable) {
  std::string tmp = dir + "/." + name + ".tmp";
  ::unlink(tmp.c_str());  // a stale temp file from a crash; a symlink is removed, not followed
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return fail_errno("create {}", tmp);
  if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()))
    return fail_errno("write {}", tmp);
  // State under /run describes processes and cgroups that do not survive a reboot, so the
  // foreground run skips the fsync (~1.5 ms on a disk-backed /run); rename alone is atomic for
  // every reader while the system runs.
  if (durable && ::fsync(fd.get()) != 0) return fail_errno("fsync {}", tmp);
  if (::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) return fail_errno("rename {}", tmp);
  return {};
}

Result<UniqueFd> lock_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return fail_errno("open {}", path);
  if (::flock(fd.get(), LOCK_EX) != 0) return fail_errno("lock {}", path);
  return fd;
}

std::pair<std::string, std::string> split_last(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

Result<std::vector<std::string>> list_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail_errno("open {}", dir);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return fail_errno("list {}", dir);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  return names;
}

void remove_tree_at(int parent, const std::string& name) {
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd) {
    DIR* d = ::fdopendir(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    std::vector<std::string> names;
    while (dirent* e = d ? ::readdir(d) : nullptr) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    if (d) ::closedir(d);
    for (const auto& n : names) {
      if (::unlinkat(fd.get(), n.c_str(), 0) != 0 && (errno == EISDIR || errno == EPERM))
        remove_tree_at(fd.get(), n);
    }
  }
  ::unlinkat(parent, name.c_str(), AT_REMOVEDIR);
}

void remove_tree(const std::string& dir) {
  remove_tree_at(AT_FDCWD, dir);
}

Result<std::string> current_dir() {
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return fail_errno("getcwd");
  return std::string(cwd);
}

Result<std::string> absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::string cwd = TRY(current_dir());
  return path == "." ? cwd : cwd + "/" + path;
}

}  // namespace nucleus::fs
