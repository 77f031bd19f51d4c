// The default Landlock rules: read and execute on the system directories, read on /etc, /proc,
// /sys; devices usable but never created; read-write without execute on /tmp, /dev/shm, tmpfs
// mounts and writable volumes; the context copy is the workspace (read, write, execute).
#include <dirent.h>

#include <algorithm>

#include "plan/build.h"
#include "util/fs.h"

namespace nucleus::plan {
namespace {

namespace ll = security::landlock;

constexpr std::array<std::string_view, 6> kSpecial = {"/proc", "/dev",     "/sys",
                                                      "/tmp",  "/context", "/etc"};

// Top-level directories that hold programs: the host's system dirs for the agent root, every
// ordinary top-level directory of a given rootfs.
std::vector<std::string> program_dirs(const spec::Spec& s) {
  if (s.rootfs.empty()) return {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
  std::vector<std::string> out;
  DIR* d = ::opendir(s.rootfs.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = std::string("/") + e->d_name;
    if (e->d_type != DT_DIR || name == "/." || name == "/..") continue;
    if (std::find(kSpecial.begin(), kSpecial.end(), name) != kSpecial.end()) continue;
    out.push_back(name);
  }
  ::closedir(d);
  return out;
}

bool holds_mount(const spec::Spec& s, const std::string& dir) {
  auto below = [&](const std::string& dst) { return fs::is_within(dst, dir); };
  return std::any_of(s.volumes.begin(), s.volumes.end(),
                     [&](auto& v) { return below(v.destination); }) ||
         std::any_of(s.tmpfs.begin(), s.tmpfs.end(), [&](auto& t) { return below(t.destination); });
}

}  // namespace

std::vector<ll::PathRule> landlock_rules(const spec::Spec& s) {
  std::vector<ll::PathRule> r;
  // A writable rootfs (--rootfs-rw) is writable everywhere, executable only in its own dirs.
  bool rw_root = !s.rootfs.empty() && !s.rootfs_readonly;
  r.push_back({"/", rw_root ? ll::kReadWrite : ll::kReadDir});
  for (auto& d : program_dirs(s)) {
    // Execute is inherited down the tree: a directory holding a volume gets read only, so the
    // volume stays non-executable.
    r.push_back({d, holds_mount(s, d) ? ll::kRead : ll::kReadExec});
  }
  r.push_back({"/etc", rw_root ? ll::kReadWrite : ll::kRead});
  r.push_back({"/proc", ll::kRead});
  r.push_back({"/sys", ll::kRead});
  r.push_back({"/dev", ll::kDevice});
  r.push_back({"/dev/shm", ll::kReadWrite});
  r.push_back({"/tmp", ll::kReadWrite});
  if (s.rootfs.empty()) r.push_back({"/root", ll::kRead});
  if (s.context) {
    bool copy = s.context->mode == spec::ContextMode::kCopy;
    r.push_back({"/context", copy ? ll::kReadWrite | ll::kExecute : ll::kReadExec});
  }
  for (const auto& v : s.volumes)
    r.push_back({v.destination, v.readonly ? ll::kRead : ll::kReadWrite});
  for (const auto& t : s.tmpfs) r.push_back({t.destination, ll::kReadWrite});
  return r;
}

}  // namespace nucleus::plan
