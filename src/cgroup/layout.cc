#include "cgroup/layout.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>

#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::cgroup {
namespace {

long fs_type(const std::string& path) {
  struct statfs st {};
  return ::statfs(path.c_str(), &st) == 0 ? static_cast<long>(st.f_type) : 0;
}

// Every cgroup v1 mount directly under base, from /proc/self/mountinfo (its super options name
// the controllers), and the symlinks beside them.
void read_v1_hierarchies(const std::string& base, Layout& l) {
  // The text outlives the loop: split() returns views into it.
  std::string info = fs::read_file("/proc/self/mountinfo").value_or("");
  for (auto line : parse::split(info, '\n')) {
    auto f = parse::words(line);
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || dash == f.end() || dash + 3 >= f.end() + 0 || *(dash + 1) != "cgroup")
      continue;
    std::string mount(f[4]);
    if (mount.rfind(base + "/", 0) != 0 || mount.find('/', base.size() + 1) != std::string::npos)
      continue;
    std::string opts;
    for (auto o : parse::split(*(dash + 3), ',')) {
      if (o == "rw" || o == "ro" || o == "xattr" || o.rfind("release_agent", 0) == 0 ||
          o == "clone_children" || o == "noprefix" || o == "nsdelegate")
        continue;
      opts += (opts.empty() ? "" : ",") + std::string(o);
    }
    l.v1_all.push_back({mount.substr(base.size() + 1), mount, opts});
  }
  if (DIR* d = ::opendir(base.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_type != DT_LNK) continue;
      char target[PATH_MAX];
      ssize_t n = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target - 1);
      if (n > 0) l.v1_links.emplace_back(e->d_name, std::string(target, static_cast<size_t>(n)));
    }
    ::closedir(d);
  }
}

}  // namespace

Layout detect(const std::string& base) {
  Layout l;
  long t = fs_type(base);
  if (t == CGROUP2_SUPER_MAGIC) {
    l.mode = Mode::kV2;
    l.v2_root = base;
    return l;
  }
  if (t != TMPFS_MAGIC) return l;
  // v1: each entry under base that is a cgroup mount names its controllers ("cpu,cpuacct" or a
  // symlink "cpu" to it); statfs follows such symlinks, which the host set up.
  static constexpr std::array<const char*, 6> kControllers = {"memory", "cpu",   "cpuacct",
                                                              "pids",   "blkio", "freezer"};
  for (const char* c : kControllers) {
    std::string dir = base + "/" + c;
    if (fs_type(dir) != CGROUP_SUPER_MAGIC) continue;
    // Co-mounted controllers ("cpu" and "cpuacct" -> "cpu,cpuacct") share one real root.
    char real[PATH_MAX];
    l.v1[c] = ::realpath(dir.c_str(), real) != nullptr ? std::string(real) : dir;
  }
  read_v1_hierarchies(base, l);
  for (const char* u : {"unified", "systemd"}) {
    std::string dir = base + "/" + u;
    if (fs_type(dir) == CGROUP2_SUPER_MAGIC) l.v2_root = dir;
  }
  if (!l.v1.empty()) l.mode = l.v2_root.empty() ? Mode::kV1 : Mode::kHybrid;
  return l;
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kV2:
      return "v2";
    case Mode::kV1:
      return "v1";
    case Mode::kHybrid:
      return "hybrid";
    case Mode::kNone:
      return "none";
  }
  return "?";
}

}  // namespace nucleus::cgroup
