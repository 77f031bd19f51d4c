#include "security/landlock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace nucleus::security::landlock {
namespace {

// Kernel ABI structures (include/uapi/linux/landlock.h), spelled out for newer fields.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
constexpr unsigned kCreateRulesetVersion = 1u << 0;
// ABI 7: denials are logged (audit) after execve too, which the workload always is.
constexpr unsigned kRestrictLogNewExecOn = 1u << 1;
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};

// The path rules: 0 or an errno, *what set.
int add_path_rules(int fd, const Ruleset& rs, const char** what) noexcept {
  for (const auto& r : rs.rules) {
    int pfd = ::open(r.path.c_str(), O_PATH | O_CLOEXEC);
    if (pfd < 0) {
      if (errno == ENOENT) continue;  // nothing there, nothing to grant
      *what = "landlock: open rule path";
      return errno;
    }
    // A rule on a file may only carry file rights (a volume that is a single file).
    constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
    struct stat st {};
    uint64_t access = r.access;
    if (::fstat(pfd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= kFileRights;
    PathBeneathAttr pb{access, pfd};
    long rc = ::syscall(SYS_landlock_add_rule, fd, kRulePathBeneath, &pb, 0);
    int e = errno;
    ::close(pfd);
    if (rc != 0) {
      *what = "landlock: add rule";
      return e;
    }
  }
  for (const auto& p : rs.ports) {
    NetPortAttr np{p.access, p.port};
    if (::syscall(SYS_landlock_add_rule, fd, kRuleNetPort, &np, 0) != 0) {
      *what = "landlock: add port rule";
      return errno;
    }
  }
  return 0;
}

}  // namespace

int probe_abi() {
  long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return v < 0 ? 0 : static_cast<int>(v);
}

uint64_t handled_fs(int abi) {
  if (abi <= 0) return 0;
  uint64_t h = (kMakeSym << 1) - 1;  // ABI 1: execute .. make_sym
  if (abi >= 2) h |= kRefer;
  if (abi >= 3) h |= kTruncate;
  if (abi >= 5) h |= kIoctlDev;
  return h;
}

uint64_t handled_scopes(int abi) {
  return abi >= 6 ? (kScopeAbstractUnix | kScopeSignal) : 0;
}

std::vector<std::string> fs_right_names(uint64_t access) {
  std::vector<std::string> out;
  for (const auto& [name, bit] : kFsRightNames)
    if (access & bit) out.emplace_back(name);
  return out;
}

int fs_rights_abi(uint64_t access) {
  for (int abi = 1; abi < 5; abi++)
    if ((access & ~handled_fs(abi)) == 0) return abi;
  return 5;
}

Ruleset make_ruleset(int abi, std::vector<PathRule> rules) {
  Ruleset rs;
  rs.abi = abi;
  rs.handled = handled_fs(abi);
  rs.scoped = handled_scopes(abi);
  for (auto& r : rules) {
    r.access &= rs.handled;
    if (r.access != 0) rs.rules.push_back(std::move(r));
  }
  return rs;
}

int child_apply(const Ruleset& rs, const char** what) noexcept {
  RulesetAttr attr{rs.handled, rs.handled_net, rs.scoped};
  size_t size = rs.abi >= 6 ? sizeof(RulesetAttr) : rs.abi >= 4 ? 16 : 8;
  int fd = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (fd < 0) {
    *what = "landlock: create ruleset";
    return errno;
  }
  if (int e = add_path_rules(fd, rs, what)) {
    ::close(fd);
    return e;
  }
  long rc = ::syscall(SYS_landlock_restrict_self, fd, rs.abi >= 7 ? kRestrictLogNewExecOn : 0);
  int e = errno;
  ::close(fd);
  if (rc != 0) {
    *what = "landlock: restrict self";
    return e;
  }
  return 0;
}

}  // namespace nucleus::security::landlock
