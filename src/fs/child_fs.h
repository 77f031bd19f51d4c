// What the child-side root assembly files share (child_root.cc, child_mount.cc): descriptors,
// path resolution inside the new root, and the new mount API. noexcept, allocation-free.
#pragma once

#include <climits>
#include <string>

#include "plan/plan.h"
#include "util/child_error.h"

namespace nucleus::fs::child {

inline ChildError err(const char* what) noexcept {
  return ChildError{errno ? errno : 5 /* EIO */, what};
}

struct Fd {
  int fd;
  explicit Fd(int f) noexcept : fd(f) {}
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// The new root and how paths below it resolve: nucleus's own roots allow no symlink at all
// (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS); an OCI bundle's rootfs has them, and they are
// followed inside it, never out (RESOLVE_IN_ROOT), as runc's securejoin does.
struct Root {
  int fd;
  unsigned long long resolve;
};

int open_in(const Root& r, const char* path, int flags) noexcept;
// Splits "a/b/c" into a descriptor of "a/b" (opened in the root) and "c" in buf.
int open_parent(const Root& r, const char* path, char (&buf)[PATH_MAX], const char** base) noexcept;

// Sets "k=v,flag,..." (copied to the stack, split in place) and the source, if any, on an
// fsopen() context.
ChildError configure(int fsfd, const char* source, const std::string& options) noexcept;
// A new, detached filesystem mount.
int new_mount(const char* type, const char* source, const std::string& options, unsigned attrs,
              ChildError* e) noexcept;
// Mount attributes (and propagation: private unless given) on a detached or attached tree.
ChildError set_attrs(int mfd, unsigned attrs, bool recursive,
                     unsigned long propagation = 0) noexcept;
// Attaches the detached mount mfd on path, then closes mfd.
ChildError attach(const Root& r, int mfd, const char* path, const char* what) noexcept;

// OCI: path (and each missing parent) made as a directory, or an empty file, inside the root.
ChildError make_target(const Root& r, const char* path, bool dir) noexcept;
// The OCI operations (child_mount.cc).
ChildError run_oci_op(const Root& r, plan::MountOp& op) noexcept;

}  // namespace nucleus::fs::child
