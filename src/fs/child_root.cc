#include "fs/child_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "fs/child_fs.h"

namespace nucleus::fs {
namespace child {

Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

int open_in(const Root& r, const char* path, int flags) noexcept {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = r.resolve;
  return static_cast<int>(::syscall(SYS_openat2, r.fd, *path ? path : ".", &how, sizeof how));
}

int open_parent(const Root& r, const char* path, char (&buf)[PATH_MAX],
                const char** base) noexcept {
  size_t n = std::strlen(path);
  if (n >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(buf, path, n + 1);
  char* slash = std::strrchr(buf, '/');
  if (slash == nullptr) {
    *base = buf;
    return open_in(r, "", O_PATH | O_DIRECTORY);
  }
  *slash = '\0';
  *base = slash + 1;
  return open_in(r, buf, O_PATH | O_DIRECTORY);
}

ChildError configure(int fsfd, const char* source, const std::string& options) noexcept {
  if (source != nullptr && *source != '\0' &&
      ::fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) != 0)
    return err("set filesystem source");
  char buf[1024];
  if (options.size() >= sizeof buf) return ChildError{E2BIG, "filesystem options too long"};
  std::memcpy(buf, options.c_str(), options.size() + 1);
  char* save = nullptr;
  for (char* tok = strtok_r(buf, ",", &save); tok != nullptr; tok = strtok_r(nullptr, ",", &save)) {
    char* eq = std::strchr(tok, '=');
    int rc;
    if (eq != nullptr) {
      *eq = '\0';
      rc = ::fsconfig(fsfd, FSCONFIG_SET_STRING, tok, eq + 1, 0);
    } else {
      rc = ::fsconfig(fsfd, FSCONFIG_SET_FLAG, tok, nullptr, 0);
    }
    if (rc != 0) return err("set filesystem option");
  }
  return {};
}

int new_mount(const char* type, const char* source, const std::string& options, unsigned attrs,
              ChildError* e) noexcept {
  Fd fsfd(::fsopen(type, FSOPEN_CLOEXEC));
  if (fsfd.fd < 0) {
    *e = err("fsopen");
    return -1;
  }
  if ((*e = configure(fsfd.fd, source, options))) return -1;
  if (::fsconfig(fsfd.fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    *e = err("create filesystem");
    return -1;
  }
  int mfd = ::fsmount(fsfd.fd, FSMOUNT_CLOEXEC, attrs);
  if (mfd < 0) *e = err("fsmount");
  return mfd;
}

ChildError set_attrs(int mfd, unsigned attrs, bool recursive, unsigned long propagation) noexcept {
  mount_attr a{};
  a.attr_set = attrs;
  a.propagation = propagation != 0 ? (propagation & ~static_cast<unsigned long>(MS_REC))
                                   : static_cast<unsigned long>(MS_PRIVATE);
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (::mount_setattr(mfd, "", flags, &a, sizeof a) != 0) return err("set mount attributes");
  return {};
}

ChildError attach(const Root& r, int mfd, const char* path, const char* what) noexcept {
  Fd m(mfd);
  Fd target(open_in(r, path, O_PATH));
  if (target.fd < 0) return err(what);
  if (::move_mount(m.fd, "", target.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return err(what);
  return {};
}

ChildError make_target(const Root& r, const char* path, bool dir) noexcept {
  {
    Fd existing(open_in(r, path, O_PATH));
    if (existing.fd >= 0) return {};
    if (errno != ENOENT) return err("open mount point");
  }
  char buf[PATH_MAX];
  const char* base = nullptr;
  Fd parent(open_parent(r, path, buf, &base));
  if (parent.fd < 0 && errno == ENOENT && base != nullptr && base != buf) {
    // Make the parent first (recursion is bounded by the path's depth).
    if (ChildError e = make_target(r, buf, true)) return e;
    parent.fd = open_in(r, buf, O_PATH | O_DIRECTORY);
  }
  if (parent.fd < 0) return err("open mount point's parent");
  if (dir) {
    if (::mkdirat(parent.fd, base, 0755) != 0 && errno != EEXIST) return err("create mount point");
    return {};
  }
  int f = ::openat(parent.fd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0 && errno != EEXIST) return err("create mount point");
  if (f >= 0) ::close(f);
  return {};
}

}  // namespace child

namespace {

using child::err;
using child::Fd;
using child::Root;
using plan::MountOp;
using plan::OpKind;

// kMkdir, kSymlink, kTouch, kWriteFile at path.
// kWriteFile with an owner (uid/gid not UINT32_MAX): the file is given to it.
ChildError make_node(const Root& r, OpKind kind, const char* path, const std::string& text,
                     unsigned mode, uint32_t uid = UINT32_MAX, uint32_t gid = UINT32_MAX) noexcept {
  char buf[PATH_MAX];
  const char* base = nullptr;
  Fd parent(child::open_parent(r, path, buf, &base));
  if (parent.fd < 0) return err("open parent directory");
  switch (kind) {
    case OpKind::kMkdir:
      if (::mkdirat(parent.fd, base, mode) != 0 && errno != EEXIST) return err("mkdir");
      return {};
    case OpKind::kSymlink:
      if (::symlinkat(text.c_str(), parent.fd, base) != 0) return err("symlink");
      return {};
    default:
      break;
  }
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (kind == OpKind::kTouch ? 0 : O_EXCL);
  Fd f(::openat(parent.fd, base, flags, mode));
  if (f.fd < 0) return err(kind == OpKind::kTouch ? "create mount point" : "create file");
  size_t off = 0;
  while (kind == OpKind::kWriteFile && off < text.size()) {
    ssize_t w = ::write(f.fd, text.data() + off, text.size() - off);
    if (w < 0) return err("write file");
    off += static_cast<size_t>(w);
  }
  if (uid != UINT32_MAX && ::fchown(f.fd, uid, gid) != 0) return err("chown file");
  return {};
}

ChildError copy_file(const Root& r, int ctxfd, const MountOp& op) noexcept {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  Fd src(static_cast<int>(::syscall(SYS_openat2, ctxfd, op.source.c_str(), &how, sizeof how)));
  if (src.fd < 0) return err("context: open file");
  if (ChildError e = make_node(r, OpKind::kTouch, op.path.c_str(), op.text, op.mode)) return e;
  Fd dst(child::open_in(r, op.path.c_str(), O_WRONLY));
  if (dst.fd < 0) return err("context: open copy");
  for (;;) {
    ssize_t n = ::sendfile(dst.fd, src.fd, nullptr, 1 << 30);
    if (n < 0) return err("context: copy file");
    if (n == 0) break;
  }
  if (::fchmod(dst.fd, op.mode) != 0) return err("context: chmod");
  return {};
}

ChildError mask(const Root& r, const MountOp& op) noexcept {
  Fd target(child::open_in(r, op.path.c_str(), O_PATH));
  if (target.fd < 0) return errno == ENOENT ? ChildError{} : err("mask path");
  struct stat st {};
  if (::fstat(target.fd, &st) != 0) return err("mask path");
  ChildError e;
  int mfd =
      S_ISDIR(st.st_mode)
          ? child::new_mount(
                "tmpfs", nullptr, "mode=0555,size=4k",
                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, &e)
          : ::open_tree(r.fd, "dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (mfd < 0) return e ? e : err("mask path");
  return child::attach(r, mfd, op.path.c_str(), "mask path");
}

ChildError make_readonly(const Root& r, const MountOp& op) noexcept {
  Fd target(child::open_in(r, op.path.c_str(), O_PATH));
  if (target.fd < 0) return errno == ENOENT ? ChildError{} : err("read-only path");
  int mfd = ::open_tree(target.fd, "",
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (mfd < 0) return err("read-only path");
  if (ChildError e = child::set_attrs(
          mfd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
          true)) {
    ::close(mfd);
    return e;
  }
  return child::attach(r, mfd, op.path.c_str(), "read-only path");
}

ChildError run_op(const Root& r, int ctxfd, MountOp& op, bool oci) noexcept {
  ChildError e;
  switch (op.kind) {
    case OpKind::kMkdir:
    case OpKind::kTouch:
    case OpKind::kSymlink:
    case OpKind::kWriteFile:
      return make_node(r, op.kind, op.path.c_str(), op.text, op.mode, op.uid, op.gid);
    case OpKind::kBind: {
      int fd = op.src_fd;
      op.src_fd = -1;
      if (oci) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) return err("bind mount");
        if ((e = child::make_target(r, op.path.c_str(), S_ISDIR(st.st_mode)))) {
          ::close(fd);
          return e;
        }
      }
      return child::attach(r, fd, op.path.c_str(), "bind mount");
    }
    case OpKind::kTmpfs:
    case OpKind::kProc:
    case OpKind::kSysfs:
    case OpKind::kDevpts:
    case OpKind::kMqueue: {
      static constexpr const char* kType[] = {"tmpfs", "proc", "sysfs", "devpts", "mqueue"};
      int idx = static_cast<int>(op.kind) - static_cast<int>(OpKind::kTmpfs);
      int mfd = child::new_mount(kType[idx], nullptr, op.text, op.attrs, &e);
      if (mfd < 0) return e;
      return child::attach(r, mfd, op.path.c_str(), kType[idx]);
    }
    case OpKind::kCopyFile:
      return copy_file(r, ctxfd, op);
    case OpKind::kMask:
      return mask(r, op);
    case OpKind::kReadonly:
      return make_readonly(r, op);
    case OpKind::kRootReadonly:
      return child::set_attrs(r.fd, MOUNT_ATTR_RDONLY, false);
    default:
      return child::run_oci_op(r, op);
  }
}

// Clones every host source while the host's root is still ours to see.
ChildError capture_sources(plan::Plan& p) noexcept {
  for (size_t i = 0; i < p.mounts.size(); i++) {
    MountOp& op = p.mounts[i];
    // An idmapped source came ready from the parent (fs/idmap.h).
    if (op.kind != OpKind::kBind || op.src_fd >= 0) continue;
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (p.oci ? 0 : AT_SYMLINK_NOFOLLOW) |
                     (op.recursive ? AT_RECURSIVE : 0);
    op.src_fd = ::open_tree(AT_FDCWD, op.source.c_str(), flags);
    ChildError e = op.src_fd < 0
                       ? err("clone bind source")
                       : child::set_attrs(op.src_fd, op.attrs, op.recursive, op.propagation);
    if (e) {
      e.op = static_cast<int>(i);
      return e;
    }
  }
  return {};
}

int make_root(const plan::Plan& p, ChildError* e) noexcept {
  if (p.root_source.empty())
    return child::new_mount("tmpfs", nullptr, "mode=0755,size=16m", p.root_attrs, e);
  int mfd = ::open_tree(AT_FDCWD, p.root_source.c_str(),
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
  if (mfd < 0) {
    *e = err("clone rootfs");
    return -1;
  }
  if ((*e = child::set_attrs(mfd, p.root_attrs, true))) {
    ::close(mfd);
    return -1;
  }
  return mfd;
}

}  // namespace

ChildError child_prepare_root(plan::Plan& p, int* root_fd) noexcept {
  // Nothing done from here on propagates back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return err("make mounts private");
  if (ChildError e = capture_sources(p)) return e;
  Fd ctx(p.context_source.empty()
             ? -1
             : ::open(p.context_source.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!p.context_source.empty() && ctx.fd < 0) return err("open context directory");
  ChildError e;
  Fd root(make_root(p, &e));
  if (root.fd < 0) return e;
  // Attach the new root (pivot_root needs a mount point); procfs and sysfs are mounted while the
  // host's instances are still visible, as the kernel requires inside a user namespace.
  if (::move_mount(root.fd, "", AT_FDCWD, p.stage_dir.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return err("attach new root");
  constexpr unsigned long long kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  constexpr unsigned long long kNoLinks = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  Root r{root.fd, p.oci ? kInRoot : kNoLinks};
  for (size_t i = 0; i < p.mounts.size(); i++) {
    if ((e = run_op(r, ctx.fd, p.mounts[i], p.oci))) {
      e.op = static_cast<int>(i);
      return e;
    }
  }
  *root_fd = root.fd;
  root.fd = -1;
  return {};
}

ChildError child_enter_root(const plan::Plan& p, int root_fd) noexcept {
  Fd root(root_fd);
  if (::fchdir(root.fd) != 0) return err("enter new root");
  if (::syscall(SYS_pivot_root, ".", ".") == 0) {
    if (::umount2(".", MNT_DETACH) != 0) return err("detach old root");
  } else if (errno == EINVAL) {
    // The host runs from an initramfs (rootfs cannot be pivoted away): move the new root over
    // it and chroot, as runc --no-pivot. Leaving needs CAP_SYS_CHROOT, which is gone by exec.
    if (::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0) return err("move new root");
    if (::chroot(".") != 0) return err("chroot");
  } else {
    return err("pivot_root");
  }
  if (::chdir("/") != 0) return err("chdir /");
  if (p.root_propagation != 0 && ::mount(nullptr, "/", nullptr, p.root_propagation, nullptr) != 0)
    return err("root propagation");
  return {};
}

ChildError child_build_root(plan::Plan& p) noexcept {
  int root = -1;
  if (ChildError e = child_prepare_root(p, &root)) return e;
  return child_enter_root(p, root);
}

}  // namespace nucleus::fs
