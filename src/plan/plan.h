// Everything the container's init needs, computed in the parent before clone: resolved paths,
// the ordered mount operations, compiled policies, argv/envp. The child only reads it (and fills
// the src_fd slots of bind operations), so it never allocates.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "security/landlock.h"
#include "spec/spec.h"

namespace nucleus::plan {

enum class OpKind : uint8_t {
  kMkdir,         // mkdir path (mode); an existing directory is fine
  kTouch,         // create an empty regular file at path (bind target)
  kSymlink,       // symlink path -> text
  kWriteFile,     // create path (mode) with the bytes of text
  kBind,          // bind host `source` (cloned before pivot) at path, with attrs
  kTmpfs,         // tmpfs at path, `text` = fs options "mode=1777,size=..." , attrs
  kProc,          // procfs at path
  kSysfs,         // sysfs at path (read-only)
  kDevpts,        // devpts instance at path, `text` = options
  kMqueue,        // mqueue at path
  kCopyFile,      // copy context file `source` (relative to the context dir) to path (mode)
  kMask,          // hide path: /dev/null over a file, an empty read-only tmpfs over a directory
  kReadonly,      // make the tree at path read-only
  kRootReadonly,  // make the root mount read-only (last)
};

struct MountOp {
  OpKind kind;
  std::string path;    // relative to the new root, e.g. "usr/bin"; "" is the root itself
  std::string source;  // kBind: host path; kCopyFile: path below the context dir
  std::string text;    // kSymlink target, kWriteFile content, fs options
  unsigned attrs = 0;  // MOUNT_ATTR_* (RDONLY, NOSUID, NODEV, NOEXEC)
  unsigned mode = 0755;
  bool recursive = true;  // kBind: clone submounts too
  int src_fd = -1;        // kBind: filled by the child before it leaves the host's root
};

struct Plan {
  std::string id;
  std::string hostname;
  unsigned long clone_flags = 0;
  bool user_namespace = false;
  uid_t host_uid = 0;  // mapped to 0 inside when user_namespace
  gid_t host_gid = 0;

  // Filesystem.
  std::string root_source;  // empty: a fresh tmpfs root
  bool root_readonly = true;
  std::string stage_dir;       // host directory where the new root is attached before pivot_root
  std::string context_source;  // for kCopyFile operations
  std::vector<MountOp> mounts;

  // Process.
  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;             // null-terminated, pointing into args/env
  std::vector<std::string> exec_candidates;  // absolute paths tried in order (PATH search)
  std::string cwd;
  uid_t uid = 0;
  gid_t gid = 0;
  bool terminal = false;
  unsigned short rows = 0, cols = 0;  // the caller's window size, set on the pty before exec
  bool stdin_null = true;
  // Descriptors the child makes its stdin/stdout/stderr (-1: keep the inherited one).
  int stdio[3] = {-1, -1, -1};
  bool die_with_parent = true;  // PR_SET_PDEATHSIG: the workload dies with its monitor
  std::vector<spec::Rlimit> rlimits;
  int last_cap = 40;
  uint64_t cap_keep = 0;  // bit per capability
  bool no_new_privs = true;

  // exec: join the namespaces of this pidfd (the container's init) instead of making new ones;
  // the process already sits in the init's PID namespace and cgroup when it starts.
  int join_pidfd = -1;
  unsigned long join_flags = 0;

  // Policies.
  std::vector<sock_filter> seccomp;      // empty: none
  security::landlock::Ruleset landlock;  // abi 0: none

  Plan() = default;
  Plan(const Plan&) = delete;  // argv/envp point into this object
  Plan& operator=(const Plan&) = delete;
};

}  // namespace nucleus::plan
