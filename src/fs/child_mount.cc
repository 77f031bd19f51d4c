// The OCI bundle operations of the child's root assembly: filesystems of any type, device
// nodes, cgroup hierarchies, sysctls and propagation. Targets resolve inside the root and are
// made when missing (child_fs.h: make_target).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>

#include "fs/child_fs.h"

namespace nucleus::fs::child {
namespace {

using plan::MountOp;
using plan::OpKind;

ChildError mount_fs(const Root& r, const MountOp& op) noexcept {
  if (ChildError e = make_target(r, op.path.c_str(), true)) return e;
  ChildError e;
  int mfd = new_mount(op.fstype.c_str(), op.source.c_str(), op.text, op.attrs, &e);
  if (mfd < 0) return e;
  if ((e = attach(r, mfd, op.path.c_str(), "mount"))) return e;
  if (op.propagation == 0) return {};
  Fd target(open_in(r, op.path.c_str(), O_PATH));
  if (target.fd < 0) return err("mount propagation");
  return set_attrs(target.fd, 0, (op.propagation & MS_REC) != 0, op.propagation);
}

ChildError make_device(const Root& r, const MountOp& op) noexcept {
  char buf[PATH_MAX];
  const char* base = nullptr;
  Fd parent(open_parent(r, op.path.c_str(), buf, &base));
  if (parent.fd < 0 && errno == ENOENT && base != nullptr && base != buf) {
    if (ChildError e = make_target(r, buf, true)) return e;
    parent.fd = open_in(r, buf, O_PATH | O_DIRECTORY);
  }
  if (parent.fd < 0) return err("device: open parent");
  // What the rootfs already holds there is replaced (an image's own /dev entries).
  if (::mknodat(parent.fd, base, op.mode, static_cast<dev_t>(op.rdev)) != 0) {
    if (errno != EEXIST) return err("mknod");
    if (::unlinkat(parent.fd, base, 0) != 0 ||
        ::mknodat(parent.fd, base, op.mode, static_cast<dev_t>(op.rdev)) != 0)
      return err("mknod");
  }
  // mknod applied the umask: the mode is set again, then the owner.
  if (::fchmodat(parent.fd, base, op.mode & 07777, 0) != 0) return err("chmod device");
  if ((op.uid != UINT32_MAX || op.gid != UINT32_MAX) &&
      ::fchownat(parent.fd, base, op.uid, op.gid, AT_SYMLINK_NOFOLLOW) != 0)
    return err("chown device");
  return {};
}

// A fresh cgroup2 mount, or (v1) a tmpfs holding one fresh mount per hierarchy: text lists
// them as "NAME=OPTIONS;..." ("cpu,cpuacct=cpu,cpuacct;unified=" where empty options mean
// cgroup2), with symlinks for co-mounted controllers ("cpu->cpu,cpuacct;").
ChildError mount_cgroups(const Root& r, const MountOp& op) noexcept {
  if (ChildError e = make_target(r, op.path.c_str(), true)) return e;
  ChildError e;
  if (op.text.empty()) {
    int mfd = new_mount("cgroup2", "cgroup", "", op.attrs, &e);
    if (mfd < 0) return e;
    return attach(r, mfd, op.path.c_str(), "mount cgroup2");
  }
  int tmp = new_mount("tmpfs", "cgroup", "mode=755,size=64k", op.attrs & ~MOUNT_ATTR_RDONLY, &e);
  if (tmp < 0) return e;
  if ((e = attach(r, tmp, op.path.c_str(), "mount cgroup tmpfs"))) return e;
  Fd dir(open_in(r, op.path.c_str(), O_PATH | O_DIRECTORY));
  if (dir.fd < 0) return err("open cgroup tmpfs");
  char buf[1024];
  if (op.text.size() >= sizeof buf) return ChildError{E2BIG, "cgroup hierarchies"};
  std::memcpy(buf, op.text.c_str(), op.text.size() + 1);
  char* save = nullptr;
  for (char* entry = strtok_r(buf, ";", &save); entry; entry = strtok_r(nullptr, ";", &save)) {
    if (char* arrow = std::strstr(entry, "->")) {
      *arrow = '\0';
      if (::symlinkat(arrow + 2, dir.fd, entry) != 0) return err("cgroup symlink");
      continue;
    }
    char* eq = std::strchr(entry, '=');
    if (eq == nullptr) continue;
    *eq = '\0';
    if (::mkdirat(dir.fd, entry, 0555) != 0) return err("cgroup mount point");
    int mfd = *(eq + 1) == '\0' ? new_mount("cgroup2", "cgroup", "", op.attrs, &e)
                                : new_mount("cgroup", "cgroup", eq + 1, op.attrs, &e);
    if (mfd < 0) return e;
    Fd target(::openat(dir.fd, entry, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    Fd m(mfd);
    if (target.fd < 0 || ::move_mount(m.fd, "", target.fd, "",
                                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
      return err("mount cgroup hierarchy");
  }
  if (op.attrs & MOUNT_ATTR_RDONLY) return set_attrs(dir.fd, MOUNT_ATTR_RDONLY, false);
  return {};
}

ChildError write_sysctl(const Root& r, const MountOp& op) noexcept {
  Fd f(open_in(r, op.path.c_str(), O_WRONLY));
  if (f.fd < 0) return err("open sysctl");
  if (::write(f.fd, op.text.data(), op.text.size()) != static_cast<ssize_t>(op.text.size()))
    return err("write sysctl");
  return {};
}

ChildError propagate(const Root& r, const MountOp& op) noexcept {
  Fd target(open_in(r, op.path.c_str(), O_PATH));
  if (target.fd < 0) return err("mount propagation");
  return set_attrs(target.fd, 0, (op.propagation & MS_REC) != 0, op.propagation);
}

}  // namespace

ChildError run_oci_op(const Root& r, MountOp& op) noexcept {
  switch (op.kind) {
    case OpKind::kMount:
      return mount_fs(r, op);
    case OpKind::kMknod:
      return make_device(r, op);
    case OpKind::kCgroup:
      return mount_cgroups(r, op);
    case OpKind::kSysctl:
      return write_sysctl(r, op);
    case OpKind::kPropagate:
      return propagate(r, op);
    case OpKind::kMkdirAll:
      return make_target(r, op.path.c_str(), true);
    default:
      return ChildError{EINVAL, "unknown mount operation"};
  }
}

}  // namespace nucleus::fs::child
