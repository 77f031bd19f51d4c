// Everything the container's init needs, computed in the parent before clone: resolved paths,
// the ordered mount operations, compiled policies, argv/envp. The child only reads it (and fills
// the src_fd slots of bind operations), so it never allocates.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
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
  // OCI bundles (plan/oci.cc): targets resolved inside the root, symlinks followed there, and
  // created when missing.
  kMount,      // a new `fstype` filesystem at path: `source`, data options in text, attrs
  kMknod,      // a device node at path (rdev, mode with S_IFCHR/S_IFBLK/S_IFIFO, uid/gid)
  kCgroup,     // the container's cgroup hierarchies at path (v2, or a tmpfs of v1 ones), attrs
  kSysctl,     // write text to the existing file at path (below proc/sys)
  kPropagate,  // set `propagation` on the mount at path
  kMkdirAll,   // path and its missing parents as directories (mkdir -p)
};

// An absolute path in the container as a MountOp path ("/usr/bin" -> "usr/bin", "/" -> "").
inline std::string below_root(std::string_view abs) {
  return abs.size() > 1 ? std::string(abs.substr(1)) : std::string();
}

struct MountOp {
  OpKind kind;
  std::string path = {};    // relative to the new root, e.g. "usr/bin"; "" is the root itself
  std::string source = {};  // kBind: host path; kCopyFile: path below the context dir
  std::string text = {};    // kSymlink target, kWriteFile content, fs options
  unsigned attrs = 0;       // MOUNT_ATTR_* (RDONLY, NOSUID, NODEV, NOEXEC)
  unsigned mode = 0755;
  bool recursive = true;          // kBind: clone submounts too
  int src_fd = -1;                // kBind: filled by the child before it leaves the host's root
  std::string fstype = {};        // kMount
  unsigned long propagation = 0;  // kBind, kMount, kPropagate: MS_SHARED... | MS_REC
  unsigned long rdev = 0;         // kMknod
  uint32_t uid = UINT32_MAX, gid = UINT32_MAX;  // kMknod: owner (UINT32_MAX: leave)
  // kBind, idmapped: the mappings of the mount's user namespace; src_fd is then made by the
  // parent (fs/idmap.h), which has the privilege over the source's filesystem.
  std::vector<spec::IdMap> idmap_uid = {}, idmap_gid = {};
  bool idmap_recursive = false;  // "ridmap"
};

// A hook the child runs itself (createContainer, startContainer), prepared here.
struct ChildHook {
  std::string path;
  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;
  int timeout_s = 0;  // 0: none
};

// A namespace joined by path in the child (user first).
struct JoinNamespace {
  int nstype;  // CLONE_NEW*
  std::string path;
};

struct Plan {
  std::string id;
  std::string hostname;
  // Written to /proc/self/loginuid before the identity changes: the container gets an audit
  // session of its own, which names its processes in the kernel's audit records (seccomp
  // kills; container/denials.h). Empty: left as it is (exec, OCI).
  std::string audit_loginuid;
  unsigned long clone_flags = 0;
  bool user_namespace = false;
  uid_t host_uid = 0;  // mapped to 0 inside when user_namespace
  gid_t host_gid = 0;

  // Filesystem.
  std::string root_source;  // empty: a fresh tmpfs root
  bool root_readonly = true;
  unsigned root_attrs = 0x2 | 0x4;  // MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV (an OCI root: none)
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
  std::vector<sock_filter> seccomp;  // empty: none
  unsigned seccomp_flags = 0;        // SECCOMP_FILTER_FLAG_*
  // linux.seccomp.listenerPath: the filter is loaded with a user-notification listener, before
  // `start`, and the listener goes to the parent (kSeccompListener), which passes it on.
  bool seccomp_listener = false;
  // --seccomp-mode trace: the filter (trace_profile) is loaded last, with a listener that the
  // parent serves (process::SyscallTrace).
  bool seccomp_trace = false;
  // --service-mode production: the child reports kAudit once its root is assembled and waits
  // for the parent's go-ahead (the parent audits its mounts first, fs/mount_audit.h).
  bool audit_mounts = false;
  bool init = false;  // --init: PID 1 is nucleus's init, the command its child (child_init.h)
  // Descriptors 3..3+preserve_fds-1 stay open across execve (--preserve-fds, $LISTEN_FDS).
  unsigned preserve_fds = 0;
  security::landlock::Ruleset landlock;  // abi 0: none

  // OCI bundles (plan/oci.cc); the defaults are what nucleus's own containers get.
  bool oci = false;                           // root ops resolve in the root (see OpKind::kMount)
  std::vector<spec::IdMap> uid_map, gid_map;  // empty: "0 host_uid 1"
  std::vector<JoinNamespace> join_namespaces;
  std::string join_pid_namespace;  // joined by the parent before clone
  bool new_cgroup_namespace = true;
  bool new_time_namespace = false;  // with time_offsets, made by the child
  std::string time_offsets;         // "monotonic S N\nboottime S N\n"
  bool set_hostname = true;
  std::string domainname;
  bool cap_sets = false;  // the five sets below apply, not cap_keep
  uint64_t cap_bounding = 0, cap_effective = 0, cap_permitted = 0, cap_inheritable = 0,
           cap_ambient = 0;
  bool set_groups = false;  // setgroups(groups) instead of none
  std::vector<gid_t> groups;
  int umask = -1;
  long personality = -1;
  bool set_oom_score = false;  // the parent writes oom_score_adj before the go-ahead
  int oom_score_adj = 0;
  unsigned long root_propagation = 0;  // after pivot_root, on "/"
  // The lifecycle of `create`: the child reports kCreated, then waits on start_fd (a listening
  // socket) for `start` before it runs the startContainer hooks and execs.
  int start_fd = -1;
  bool hooks_before_pivot = false;  // reports kPrepared before pivot_root; the parent's kGo
  std::vector<ChildHook> create_container_hooks, start_container_hooks;
  int hook_state_fd = -1;  // the state JSON hooks read on stdin (sent by the parent)

  Plan() = default;
  Plan(const Plan&) = delete;  // argv/envp point into this object
  Plan& operator=(const Plan&) = delete;
};

}  // namespace nucleus::plan
