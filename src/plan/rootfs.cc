// The mount operations that assemble a container's root: the embedded agent root (host system
// directories read-only on a fresh tmpfs, a generated /etc) or a given rootfs, then /proc, /dev,
// /sys, /tmp, volumes, the context, masks and read-only paths.
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "fs/attest.h"
#include "plan/build.h"
#include "util/fs.h"

namespace nucleus::plan {
namespace {

constexpr unsigned kNoSuidDev = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
constexpr unsigned kReadOnlySys = MOUNT_ATTR_RDONLY | kNoSuidDev;

// /proc entries that leak host state or offer a kernel interface (as Docker and runc mask).
constexpr std::array<const char*, 10> kMaskedPaths = {
    "proc/acpi",       "proc/asound",      "proc/kcore",       "proc/keys", "proc/latency_stats",
    "proc/timer_list", "proc/timer_stats", "proc/sched_debug", "proc/scsi", "sys/firmware"};
constexpr std::array<const char*, 5> kReadonlyPaths = {"proc/bus", "proc/fs", "proc/irq",
                                                       "proc/sys", "proc/sysrq-trigger"};
constexpr std::array<const char*, 6> kDevices = {"null",   "zero",    "full",
                                                 "random", "urandom", "tty"};

class OpList {
 public:
  explicit OpList(std::vector<MountOp>& ops) : ops_(ops) {}
  void mkdir(std::string path, unsigned mode = 0755) {
    ops_.push_back({OpKind::kMkdir, std::move(path), "", "", 0, mode});
  }
  // mkdir of every component of path (relative)
  void mkdir_p(std::string_view path) {
    for (size_t i = 0; i <= path.size(); i++) {
      if (i == path.size() || path[i] == '/') mkdir(std::string(path.substr(0, i)));
    }
  }
  void touch(std::string path) {
    ops_.push_back({OpKind::kTouch, std::move(path), "", "", 0, 0644});
  }
  void symlink(std::string path, std::string target) {
    ops_.push_back({OpKind::kSymlink, std::move(path), "", std::move(target)});
  }
  void write(std::string path, std::string content, unsigned mode = 0644, uint32_t uid = UINT32_MAX,
             uint32_t gid = UINT32_MAX) {
    MountOp op{OpKind::kWriteFile, std::move(path), "", std::move(content), 0, mode};
    op.uid = uid;
    op.gid = gid;
    ops_.push_back(std::move(op));
  }
  void bind(std::string path, std::string source, unsigned attrs, bool recursive = true) {
    MountOp op{OpKind::kBind, std::move(path), std::move(source), "", attrs};
    op.recursive = recursive;
    ops_.push_back(std::move(op));
  }
  void fs(OpKind kind, std::string path, std::string options, unsigned attrs) {
    ops_.push_back({kind, std::move(path), "", std::move(options), attrs});
  }
  void simple(OpKind kind, std::string path) { ops_.push_back({kind, std::move(path), "", ""}); }

 private:
  std::vector<MountOp>& ops_;
};

std::string etc_passwd(const spec::Spec& s) {
  std::string out =
      "root:x:0:0:root:/root:/bin/sh\n"
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
  uid_t uid = s.process.user.uid;
  if (uid != 0 && uid != 65534)
    out += fmt::format("user:x:{}:{}:user:/tmp:/bin/sh\n", uid, s.process.user.gid);
  return out;
}

std::string etc_group(const spec::Spec& s) {
  std::string out = "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n";
  gid_t gid = s.process.user.gid;
  if (gid != 0 && gid != 5 && gid != 65534) out += fmt::format("user:x:{}:\n", gid);
  return out;
}

// Host system directories, read-only; merged-/usr symlinks (/bin -> usr/bin) are recreated.
Result<> add_system_dirs(OpList& ops) {
  ops.mkdir("usr");
  ops.bind("usr", "/usr", kReadOnlySys);
  for (const char* d : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
    std::string host = fmt::format("/{}", d);
    auto kind = TRY(fs::kind_of(host));
    if (kind == fs::Kind::kSymlink) {
      std::array<char, 4096> buf{};
      ssize_t n = ::readlink(host.c_str(), buf.data(), buf.size() - 1);
      if (n < 0) return fail_errno("readlink {}", host);
      ops.symlink(d, std::string(buf.data(), static_cast<size_t>(n)));
    } else if (kind == fs::Kind::kDirectory) {
      ops.mkdir(d);
      ops.bind(d, host, kReadOnlySys);
    }
  }
  return {};
}

Result<> add_generated_etc(const spec::Spec& s, OpList& ops) {
  ops.mkdir("etc");
  ops.write("etc/passwd", etc_passwd(s));
  ops.write("etc/group", etc_group(s));
  ops.write("etc/hostname", s.hostname + "\n");
  ops.write("etc/hosts", hosts_file(s));
  ops.write("etc/resolv.conf", resolv_conf(s));
  ops.write("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
  // Host files that programs need and that reveal nothing: the loader cache, the alternatives
  // links (cc, python), CA certificates.
  if (TRY(fs::kind_of("/etc/ld.so.cache")) == fs::Kind::kRegular) {
    ops.touch("etc/ld.so.cache");
    ops.bind("etc/ld.so.cache", "/etc/ld.so.cache", kReadOnlySys, false);
  }
  if (TRY(fs::kind_of("/etc/alternatives")) == fs::Kind::kDirectory) {
    ops.mkdir("etc/alternatives");
    ops.bind("etc/alternatives", "/etc/alternatives", kReadOnlySys);
  }
  if (TRY(fs::kind_of("/etc/ssl/certs")) == fs::Kind::kDirectory) {
    ops.mkdir("etc/ssl");
    ops.mkdir("etc/ssl/certs");
    ops.bind("etc/ssl/certs", "/etc/ssl/certs", kReadOnlySys);
  }
  ops.mkdir("root", 0700);
  return {};
}

// In a read-only rootfs nothing may be created: mount points must already be directories
// (or files), reached without symlinks.
Result<> check_mountpoint(const std::string& rootfs, std::string_view path, bool dir) {
  std::string cur = rootfs;
  auto parts = std::string_view(path);
  size_t i = 0;
  while (i < parts.size()) {
    size_t j = parts.find('/', i);
    if (j == std::string_view::npos) j = parts.size();
    cur += "/";
    cur += parts.substr(i, j - i);
    auto kind = TRY(fs::kind_of(cur));
    bool last = j == parts.size();
    bool ok = (!last || dir) ? kind == fs::Kind::kDirectory : kind == fs::Kind::kRegular;
    if (!ok) {
      return fail_invalid("rootfs {} has no {} /{} ({}); create it or use --rootfs-rw", rootfs,
                          dir ? "directory" : "file", path, fs::kind_name(kind));
    }
    i = j + 1;
  }
  return {};
}

// Creates the mount point (agent root, writable rootfs) or checks that it exists.
Result<> mountpoint(const spec::Spec& s, OpList& ops, std::string_view path, bool dir) {
  if (!s.rootfs.empty() && s.rootfs_readonly) return check_mountpoint(s.rootfs, path, dir);
  size_t slash = path.rfind('/');
  if (slash != std::string_view::npos) ops.mkdir_p(path.substr(0, slash));
  if (dir)
    ops.mkdir(std::string(path));
  else
    ops.touch(std::string(path));
  return {};
}

Result<> add_kernel_filesystems(const spec::Spec& s, OpList& ops) {
  TRY(mountpoint(s, ops, "proc", true));
  ops.fs(OpKind::kProc, "proc", s.production ? "hidepid=invisible" : "",
         kNoSuidDev | MOUNT_ATTR_NOEXEC);
  TRY(mountpoint(s, ops, "dev", true));
  ops.fs(OpKind::kTmpfs, "dev", "mode=755,size=64k", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  for (const char* d : kDevices) {
    std::string path = fmt::format("dev/{}", d);
    ops.touch(path);
    ops.bind(path, fmt::format("/dev/{}", d), MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false);
  }
  ops.mkdir("dev/pts");
  // gid=5 (tty) exists only when the container's groups are the host's.
  ops.fs(OpKind::kDevpts, "dev/pts",
         s.user_namespace ? "newinstance,ptmxmode=0666,mode=0620"
                          : "newinstance,ptmxmode=0666,mode=0620,gid=5",
         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  ops.symlink("dev/ptmx", "pts/ptmx");
  ops.mkdir("dev/shm");
  ops.fs(OpKind::kTmpfs, "dev/shm", "mode=1777,size=64m", kNoSuidDev | MOUNT_ATTR_NOEXEC);
  ops.mkdir("dev/mqueue");
  ops.fs(OpKind::kMqueue, "dev/mqueue", "", kNoSuidDev | MOUNT_ATTR_NOEXEC);
  ops.symlink("dev/fd", "/proc/self/fd");
  ops.symlink("dev/stdin", "/proc/self/fd/0");
  ops.symlink("dev/stdout", "/proc/self/fd/1");
  ops.symlink("dev/stderr", "/proc/self/fd/2");
  TRY(mountpoint(s, ops, "sys", true));
  ops.fs(OpKind::kSysfs, "sys", "", kReadOnlySys | MOUNT_ATTR_NOEXEC);
  TRY(mountpoint(s, ops, "tmp", true));
  ops.fs(OpKind::kTmpfs, "tmp", "mode=1777", kNoSuidDev | MOUNT_ATTR_NOEXEC);
  return {};
}

Result<> add_volume(const spec::Spec& s, OpList& ops, const spec::Volume& v) {
  auto kind = TRY(fs::kind_of(v.source));
  if (kind != fs::Kind::kDirectory && kind != fs::Kind::kRegular) {
    return fail_invalid("volume source {} is a {}, not a directory or regular file", v.source,
                        fs::kind_name(kind));
  }
  if (::access(v.source.c_str(), v.readonly ? R_OK : R_OK | W_OK) != 0)
    return fail_errno("volume source {}", v.source);
  TRY(mountpoint(s, ops, below_root(v.destination), kind == fs::Kind::kDirectory));
  // A production service's writable volumes are not executable (the mount audit checks).
  unsigned exec = v.readonly ? MOUNT_ATTR_RDONLY : s.production ? MOUNT_ATTR_NOEXEC : 0;
  ops.bind(below_root(v.destination), v.source, kNoSuidDev | exec);
  return {};
}

Result<> add_tmpfs(const spec::Spec& s, OpList& ops, const spec::Tmpfs& t) {
  TRY(mountpoint(s, ops, below_root(t.destination), true));
  std::string opts = t.size ? fmt::format("mode=1777,size={}", t.size) : "mode=1777";
  ops.fs(OpKind::kTmpfs, below_root(t.destination), opts, kNoSuidDev | MOUNT_ATTR_NOEXEC);
  return {};
}

// Volumes and tmpfs mounts, parents before children (-v a:/data -v b:/data/in), after the
// context so that one can land inside /context.
Result<> add_volumes(const spec::Spec& s, OpList& ops) {
  struct Item {
    size_t depth;
    const spec::Volume* volume;
    const spec::Tmpfs* tmpfs;
  };
  auto depth = [](const std::string& p) {
    return static_cast<size_t>(std::count(p.begin(), p.end(), '/'));
  };
  std::vector<Item> items;
  for (const auto& v : s.volumes) items.push_back({depth(v.destination), &v, nullptr});
  for (const auto& t : s.tmpfs) items.push_back({depth(t.destination), nullptr, &t});
  std::stable_sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.depth < b.depth; });
  for (const auto& it : items) {
    if (it.volume)
      TRY(add_volume(s, ops, *it.volume));
    else
      TRY(add_tmpfs(s, ops, *it.tmpfs));
  }
  return {};
}

Result<> add_context(const spec::Spec& s, Plan& p, OpList& ops) {
  if (!s.context) return {};
  auto kind = TRY(fs::kind_of(s.context->source));
  if (kind != fs::Kind::kDirectory) {
    return fail_invalid("--context {} is a {}, not a directory", s.context->source,
                        fs::kind_name(kind));
  }
  if (::access(s.context->source.c_str(), R_OK | X_OK) != 0)
    return fail_errno("--context {}", s.context->source);
  TRY(mountpoint(s, ops, "context", true));
  if (s.context->mode == spec::ContextMode::kBind) {
    ops.bind("context", s.context->source, kNoSuidDev | MOUNT_ATTR_RDONLY);
    return {};
  }
  // A private, memory-backed copy: the workload may change it; the host's files never.
  ops.fs(OpKind::kTmpfs, "context", "mode=755", kNoSuidDev);
  return add_context_ops(*s.context, p);
}

// --secret: read now (regular files, not through a symlink), written by the child onto a tmpfs
// of their own that is then made read-only; never on disk, never in the state.
Result<> add_secrets(const spec::Spec& s, OpList& ops) {
  if (s.secrets.empty()) return {};
  constexpr uint64_t kMaxSecretSize = 1u << 20, kPage = 4096;
  std::vector<std::string> contents;
  uint64_t pages = 1;
  for (const auto& sec : s.secrets) {
    contents.push_back(TRY_CTX(fs::read_regular_file(sec.source, kMaxSecretSize), "--secret"));
    pages += (contents.back().size() + kPage - 1) / kPage + 1;
  }
  TRY(mountpoint(s, ops, "run/secrets", true));
  uid_t uid = s.process.user.uid;
  gid_t gid = s.process.user.gid;
  ops.fs(OpKind::kTmpfs, "run/secrets",
         fmt::format("mode=0500,uid={},gid={},size={}", uid, gid, pages * kPage),
         kNoSuidDev | MOUNT_ATTR_NOEXEC);
  for (size_t i = 0; i < s.secrets.size(); i++)
    ops.write("run/secrets/" + s.secrets[i].name, std::move(contents[i]), 0400, uid, gid);
  ops.simple(OpKind::kReadonly, "run/secrets");
  return {};
}

std::string stage_dir() {
  for (const char* d : {"/tmp", "/mnt", "/run", "/var/tmp"}) {
    auto k = fs::kind_of(d);
    if (k && *k == fs::Kind::kDirectory) return d;
  }
  return "/";
}

}  // namespace

Result<> check_rootfs(const spec::Spec& s) {
  auto kind = TRY(fs::kind_of(s.rootfs));
  if (kind != fs::Kind::kDirectory)
    return fail_invalid("--rootfs {} is a {}, not a directory", s.rootfs, fs::kind_name(kind));
  if (s.verify_rootfs) TRY(fs::verify_rootfs(s.rootfs));
  return {};
}

Result<> add_root_ops(const spec::Spec& s, Plan& p) {
  OpList ops(p.mounts);
  p.stage_dir = stage_dir();
  if (s.rootfs.empty()) {
    TRY(add_system_dirs(ops));
    TRY(add_generated_etc(s, ops));
  } else {
    TRY(check_rootfs(s));
    p.root_source = s.rootfs;
  }
  p.root_readonly = s.rootfs.empty() || s.rootfs_readonly;
  TRY(add_kernel_filesystems(s, ops));
  TRY(add_context(s, p, ops));
  TRY(add_volumes(s, ops));
  TRY(add_secrets(s, ops));
  // As docker: a missing working directory is created (not in a read-only rootfs).
  if (s.process.cwd != "/" && (s.rootfs.empty() || !s.rootfs_readonly))
    ops.mkdir_p(below_root(s.process.cwd));
  for (const char* m : kMaskedPaths) ops.simple(OpKind::kMask, m);
  for (const char* r : kReadonlyPaths) ops.simple(OpKind::kReadonly, r);
  if (p.root_readonly) ops.simple(OpKind::kRootReadonly, "");
  return {};
}

}  // namespace nucleus::plan
