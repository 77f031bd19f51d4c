#include "container/copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <optional>

#include "backend/gvisor.h"
#include "container/exec.h"
#include "util/fs.h"
#include "util/log.h"

namespace nucleus::container {
namespace {

// One end of a copy: the directory holding the entry, and the entry's name in it.
struct Place {
  UniqueFd dir;
  std::string name;  // "." when the path names the directory itself
  std::string shown;
};

Result<UniqueFd> container_root(const Store& store, const std::string& id) {
  auto [s, o] = TRY(look(store, id));
  if (o.status != "running" && o.status != "paused")
    return fail_invalid("container {} is not running ({})", id.substr(0, 12), o.status);
  UniqueFd pin = TRY(s.init.open());  // the pid below is the init's while pin is open
  UniqueFd root(
      ::open(fmt::format("/proc/{}/root", s.init.pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return fail_errno("open the root of container {}", id.substr(0, 12));
  return root;
}

// A directory inside the container, beneath root, without following any symlink.
Result<UniqueFd> open_beneath(int root, const std::string& path, const std::string& shown) {
  size_t start = path.find_first_not_of('/');
  std::string rel = start == std::string::npos ? "." : path.substr(start);
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how));
  if (fd >= 0) return UniqueFd(fd);
  if (errno == ELOOP) return fail_invalid("{}: refusing to follow a symlink in the path", shown);
  if (errno == EXDEV) return fail_invalid("{}: the path leads outside the container", shown);
  return fail_errno("{}", shown);
}

Result<Place> container_place(int root, const std::string& path, const std::string& id) {
  if (path.empty() || path[0] != '/')
    return fail_invalid("{}:{}: the container path must be absolute", id.substr(0, 12), path);
  auto [parent, name] = fs::split_last(path);
  std::string shown = fmt::format("{}:{}", id.substr(0, 12), path);
  if (name == "..") return fail_invalid("{}: the path leads outside the container", shown);
  Place p{TRY(open_beneath(root, parent, shown)), name.empty() ? "." : name, shown};
  return p;
}

Result<Place> host_place(const std::string& path) {
  auto [parent, name] = fs::split_last(path);
  UniqueFd dir(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return fail_errno("{}", parent);
  return Place{std::move(dir), name, path};
}

// O_PATH parents cannot be written through directly in every call: reopen as a real directory.
Result<UniqueFd> reopen_dir(int dirfd, const std::string& name, const std::string& shown) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail_errno("{}", shown);
  return fd;
}

Result<> copy_file(int sdir, const char* sname, int ddir, const char* dname, mode_t mode,
                   const std::string& shown) {
  UniqueFd in(::openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return fail_errno("read {}", shown);
  UniqueFd out(
      ::openat(ddir, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode & 07777));
  if (!out) return fail_errno("write {}", shown);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read {}", shown);
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out.get(), buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail_errno("write {}", shown);
      off += w;
    }
  }
  ::fchmod(out.get(), mode & 07777);  // the umask does not apply to a copy
  return {};
}

Result<> copy_entry(int sdir, const std::string& sname, int ddir, const std::string& dname,
                    const std::string& shown) {
  struct stat st {};
  if (::fstatat(sdir, sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail_errno("{}", shown);
  if (S_ISREG(st.st_mode))
    return copy_file(sdir, sname.c_str(), ddir, dname.c_str(), st.st_mode, shown);
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(sdir, sname.c_str(), target, sizeof target - 1);
    if (n < 0) return fail_errno("readlink {}", shown);
    target[n] = '\0';
    if (::symlinkat(target, ddir, dname.c_str()) != 0) return fail_errno("symlink {}", shown);
    return {};
  }
  if (!S_ISDIR(st.st_mode)) {
    log::warn("{}: skipped (not a file, directory or symlink)", shown);
    return {};
  }
  if (dname != "." && ::mkdirat(ddir, dname.c_str(), st.st_mode & 07777) != 0 && errno != EEXIST)
    return fail_errno("mkdir {}", shown);
  UniqueFd from = TRY(reopen_dir(sdir, sname, shown));
  UniqueFd to = TRY(reopen_dir(ddir, dname, shown));
  DIR* d = ::fdopendir(::fcntl(from.get(), F_DUPFD_CLOEXEC, 0));
  if (d == nullptr) return fail_errno("list {}", shown);
  Result<> r;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    r = copy_entry(from.get(), n, to.get(), n, fmt::format("{}/{}", shown, n));
    if (!r) break;
  }
  ::closedir(d);
  return r;
}

// docker cp: into an existing directory the source keeps its name; otherwise it becomes the
// destination. "SRC/." copies the directory's content.
Result<> copy(Place& src, Place& dst) {
  struct stat sst {};
  if (::fstatat(src.dir.get(), src.name.c_str(), &sst, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("{}", src.shown);
  struct stat dst_st {};
  bool dst_exists = ::fstatat(dst.dir.get(), dst.name.c_str(), &dst_st, AT_SYMLINK_NOFOLLOW) == 0;
  if (dst_exists && S_ISLNK(dst_st.st_mode))
    return fail_invalid("{}: refusing to write through a symlink", dst.shown);
  if (dst_exists && S_ISDIR(dst_st.st_mode)) {
    UniqueFd into = TRY(reopen_dir(dst.dir.get(), dst.name, dst.shown));
    std::string name = src.name == "." ? "." : src.name;
    return copy_entry(src.dir.get(), src.name, into.get(), name, src.shown);
  }
  if (S_ISDIR(sst.st_mode) && dst_exists)
    return fail_invalid("{}: cannot copy a directory over a file", dst.shown);
  UniqueFd parent = TRY(reopen_dir(dst.dir.get(), ".", dst.shown));
  return copy_entry(src.dir.get(), src.name, parent.get(), dst.name, src.shown);
}

}  // namespace

// Under gVisor, /proc/<init>/root is runsc's view (the host's): the copy goes through runsc.
Result<std::optional<spec::Spec>> gvisor_spec(const Store& store, const std::string& id) {
  auto [s, o] = TRY(look(store, id));
  if (!s.gvisor) return std::optional<spec::Spec>();
  if (o.status != "running")
    return fail_invalid("container {} is {}: cp into a gVisor container needs it running",
                        id.substr(0, 12), o.status);
  return std::optional<spec::Spec>(TRY(load_spec(store, id)));
}

Result<> copy_in(const Store& store, const std::string& id, const std::string& host_src,
                 const std::string& container_dst) {
  if (auto s = TRY(gvisor_spec(store, id)))
    return backend::gvisor::copy_in(id, *s, host_src, container_dst);
  UniqueFd root = TRY(container_root(store, id));
  Place src = TRY(host_place(host_src));
  Place dst = TRY(container_place(root.get(), container_dst, id));
  return copy(src, dst);
}

Result<> copy_out(const Store& store, const std::string& id, const std::string& container_src,
                  const std::string& host_dst) {
  if (auto s = TRY(gvisor_spec(store, id)))
    return backend::gvisor::copy_out(id, *s, container_src, host_dst);
  UniqueFd root = TRY(container_root(store, id));
  Place src = TRY(container_place(root.get(), container_src, id));
  Place dst = TRY(host_place(host_dst));
  return copy(src, dst);
}

}  // namespace nucleus::container
