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

// Top-level entries that hold programs: the host's system dirs for the agent root, every
// ordinary top-level directory and regular file (an image's /entrypoint.sh) of a given rootfs.
// (A rule on a file keeps only its file rights: landlock::child_apply trims them.)
std::vector<std::string> program_paths(const spec::Spec& s) {
  if (s.rootfs.empty()) return {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
  std::vector<std::string> out;
  DIR* d = ::opendir(s.rootfs.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = std::string("/") + e->d_name;
    if ((e->d_type != DT_DIR && e->d_type != DT_REG) || name == "/." || name == "/..") continue;
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
  for (auto& d : program_paths(s)) {
    // Execute is inherited down the tree: a directory holding a volume gets read only, so the
    // volume stays non-executable. (Writes on a --rootfs-rw come from the rule on /.)
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
  if (!s.secrets.empty()) r.push_back({"/run/secrets", ll::kRead});
  return r;
}

std::vector<ll::PathRule> oci_landlock_defaults(const spec::Spec& s) {
  // config.json's root and mounts as a native sandbox's --rootfs (--rootfs-rw unless
  // root.readonly), volumes and tmpfs mounts: binds keep their ro, tmpfs and mqueue mounts are
  // scratch space, except /dev, whose nodes stay usable but not creatable.
  spec::Spec as_native = s;
  as_native.rootfs = s.oci->root;
  as_native.rootfs_readonly = s.oci->root_readonly;
  as_native.context.reset();
  as_native.volumes.clear();
  as_native.tmpfs.clear();
  for (const auto& m : s.oci->mounts) {
    auto has = [&](const char* o) {
      return std::find(m.options.begin(), m.options.end(), o) != m.options.end();
    };
    if (m.type == "bind" || has("bind") || has("rbind")) {
      as_native.volumes.push_back({m.source, m.destination, has("ro")});
    } else if ((m.type == "tmpfs" || m.type == "mqueue") && m.destination != "/dev") {
      as_native.tmpfs.push_back({m.destination, 0});
    }
  }
  return landlock_rules(as_native);
}

}  // namespace nucleus::plan
