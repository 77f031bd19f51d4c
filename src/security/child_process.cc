#include "security/child_process.h"

#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace nucleus::security {
namespace {
ChildError err(const char* what) noexcept {
  return ChildError{errno ? errno : EIO, what};
}
}  // namespace

ChildError child_set_rlimits(const plan::Plan& p) noexcept {
  for (const auto& r : p.rlimits) {
    rlimit l{r.soft, r.hard};
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &l) != 0) return err("setrlimit");
  }
  return {};
}

ChildError child_set_identity(const plan::Plan& p) noexcept {
  // nucleus's own containers keep one set of capabilities everywhere; an OCI process has five.
  uint64_t bounding = p.cap_sets ? p.cap_bounding : p.cap_keep;
  uint64_t permitted = p.cap_sets ? p.cap_permitted : p.cap_keep;
  // The bounding set first, while CAP_SETPCAP is still held.
  for (int c = 0; c <= p.last_cap; c++) {
    if ((bounding >> c) & 1) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) return err("drop bounding capability");
  }
  // Keep permitted capabilities across the uid change; they are trimmed just below.
  if (permitted != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return err("keep caps");
  const gid_t* groups = p.set_groups && !p.groups.empty() ? p.groups.data() : nullptr;
  size_t ngroups = p.set_groups ? p.groups.size() : 0;
  if (::syscall(SYS_setgroups, ngroups, groups) != 0 && !(p.user_namespace && errno == EPERM))
    return err("setgroups");
  if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0) return err("setresgid");
  if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) return err("setresuid");

  uint64_t effective = p.cap_sets ? p.cap_effective : p.cap_keep;
  uint64_t inheritable = p.cap_sets ? p.cap_inheritable : p.cap_keep;
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; i++) {
    data[i].effective = static_cast<uint32_t>(effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &hdr, data) != 0) return err("capset");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return err("clear ambient");
  // A non-root workload keeps its capabilities across execve only as ambient ones.
  uint64_t ambient = p.cap_sets ? p.cap_ambient : (p.uid != 0 ? p.cap_keep : 0);
  for (int c = 0; c <= p.last_cap; c++) {
    if (((ambient >> c) & 1) && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
      return err("raise ambient capability");
  }
  return {};
}

ChildError child_no_new_privs(const plan::Plan& p) noexcept {
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return err("no_new_privs");
  return {};
}

ChildError child_load_seccomp(const plan::Plan& p, int* listener) noexcept {
  if (p.seccomp.empty()) return {};
  sock_fprog prog{static_cast<unsigned short>(p.seccomp.size()),
                  const_cast<sock_filter*>(p.seccomp.data())};
  long r = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p.seccomp_flags, &prog);
  if (r < 0) return err("load seccomp filter");
  // With SECCOMP_FILTER_FLAG_NEW_LISTENER the call returns the listener.
  if (listener != nullptr) *listener = static_cast<int>(r);
  return {};
}

}  // namespace nucleus::security
