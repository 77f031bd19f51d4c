// --context DIR in copy mode: the parent walks DIR once and plans one operation per entry; the
// child copies the files into the sandbox's tmpfs. Version-control data and files that look like
// secrets are left out.
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>

#include "plan/build.h"
#include "util/unique_fd.h"

namespace nucleus::plan {
namespace {

constexpr std::array<const char*, 22> kExcluded = {
    ".git",        ".hg",      ".svn",    ".bzr",   ".env",
    ".env.*",      ".ssh",     ".aws",    ".gnupg", ".netrc",
    ".npmrc",      ".pypirc",  ".docker", ".kube",  ".git-credentials",
    "*.pem",       "*.key",    "*.p12",   "*.pfx",  "id_rsa*",
    "id_ed25519*", "id_ecdsa*"};

constexpr size_t kMaxEntries = 200000;

struct Walker {
  Plan& plan;
  size_t entries = 0;

  Result<> walk(int dirfd, const std::string& relpath, int depth) {
    if (depth > 64) return fail_invalid("--context: directories nested too deep at {}", relpath);
    UniqueFd dup(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* d = dup ? ::fdopendir(dup.get()) : nullptr;
    if (d == nullptr) return fail_errno("--context: open {}", relpath.empty() ? "." : relpath);
    dup.release();
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n != "." && n != ".." && !context_excluded(n)) names.emplace_back(n);
    }
    ::closedir(d);
    for (const auto& name : names) TRY(entry(dirfd, relpath, name, depth));
    return {};
  }

  Result<> entry(int dirfd, const std::string& relpath, const std::string& name, int depth) {
    if (++entries > kMaxEntries)
      return fail_invalid("--context has more than {} entries", kMaxEntries);
    std::string child = relpath.empty() ? name : relpath + "/" + name;
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno("--context: stat {}", child);
    std::string dst = "context/" + child;
    unsigned mode = st.st_mode & 07777 & ~06000u;  // never setuid/setgid copies
    if (S_ISDIR(st.st_mode)) {
      plan.mounts.push_back({OpKind::kMkdir, dst, "", "", 0, mode | 0700});
      UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) return fail_errno("--context: open {}", child);
      return walk(sub.get(), child, depth + 1);
    }
    if (S_ISREG(st.st_mode)) {
      plan.mounts.push_back({OpKind::kCopyFile, dst, child, "", 0, mode});
    } else if (S_ISLNK(st.st_mode)) {
      std::array<char, 4096> buf{};
      ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size() - 1);
      if (n < 0) return fail_errno("--context: readlink {}", child);
      plan.mounts.push_back(
          {OpKind::kSymlink, dst, "", std::string(buf.data(), static_cast<size_t>(n))});
    }
    // Sockets, fifos and devices are not copied.
    return {};
  }
};

}  // namespace

bool context_excluded(std::string_view name) {
  std::string n(name);
  for (const char* pattern : kExcluded) {
    if (::fnmatch(pattern, n.c_str(), FNM_PERIOD) == 0) return true;
  }
  return false;
}

Result<> add_context_ops(const spec::Context& ctx, Plan& plan) {
  plan.context_source = ctx.source;
  UniqueFd root(::open(ctx.source.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root) return fail_errno("--context {}", ctx.source);
  Walker w{plan};
  return w.walk(root.get(), "", 0);
}

}  // namespace nucleus::plan
