#include "backend/oci_bundle.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "process/pty.h"
#include "security/capability_names.h"
#include "security/seccomp_oci.h"
#include "security/seccomp_profile.h"
#include "spec/rlimit_names.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/scope_exit.h"
#include "util/unique_fd.h"

#include <functional>

namespace nucleus::backend {
namespace {

using nlohmann::json;
using plan::MountOp;
using plan::OpKind;

// gVisor provides /dev's nodes and links itself; host device nodes are never passed in.
bool device_entry(const MountOp& op) {
  bool creates =
      op.kind == OpKind::kBind || op.kind == OpKind::kTouch || op.kind == OpKind::kSymlink;
  return creates && op.path.rfind("dev/", 0) == 0;
}

// Below the context's mount point: what the copy holds.
bool in_context(const std::string& path) {
  return path.rfind("context/", 0) == 0;
}

json mount_of(const MountOp& op, const std::string& context_copy) {
  std::vector<std::string> options;
  if (op.attrs & MOUNT_ATTR_RDONLY) options.emplace_back("ro");
  if (op.attrs & MOUNT_ATTR_NOSUID) options.emplace_back("nosuid");
  if (op.attrs & MOUNT_ATTR_NODEV) options.emplace_back("nodev");
  if (op.attrs & MOUNT_ATTR_NOEXEC) options.emplace_back("noexec");
  std::string dest = "/" + op.path;
  auto with = [&](const char* type, const std::string& source) {
    for (auto o : parse::split(op.text, ',')) {
      if (!o.empty()) options.emplace_back(o);
    }
    return json{{"destination", dest}, {"type", type}, {"source", source}, {"options", options}};
  };
  switch (op.kind) {
    case OpKind::kBind:
      options.insert(options.begin(), op.recursive ? "rbind" : "bind");
      return json{
          {"destination", dest}, {"type", "bind"}, {"source", op.source}, {"options", options}};
    case OpKind::kTmpfs:
      if (op.path == "context" && !context_copy.empty()) {  // the copy, prepared on the host
        options.insert(options.begin(), "rbind");
        return json{{"destination", dest},
                    {"type", "bind"},
                    {"source", context_copy},
                    {"options", options}};
      }
      return with("tmpfs", "tmpfs");
    case OpKind::kProc:
      return with("proc", "proc");
    case OpKind::kSysfs:
      return with("sysfs", "sysfs");
    case OpKind::kDevpts:
      return with("devpts", "devpts");
    case OpKind::kMqueue:
      return with("mqueue", "mqueue");
    default:
      return nullptr;
  }
}

// A directory below base, reached without symlinks and without leaving base.
Result<UniqueFd> open_beneath(int base, const std::string& rel) {
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(
      ::syscall(SYS_openat2, base, rel.empty() ? "." : rel.c_str(), &how, sizeof how));
  if (fd < 0) return fail_errno("bundle: open {}", rel);
  return UniqueFd(fd);
}

Result<> write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("bundle: write {}", what);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<> copy_in(int src_dir, const MountOp& op, int parent, const std::string& name) {
  auto [dir, file] = [&] {
    size_t slash = op.source.rfind('/');
    return slash == std::string::npos
               ? std::pair<std::string, std::string>{"", op.source}
               : std::pair<std::string, std::string>{op.source.substr(0, slash),
                                                     op.source.substr(slash + 1)};
  }();
  UniqueFd from_dir = TRY(open_beneath(src_dir, dir));
  UniqueFd in(::openat(from_dir.get(), file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return fail_errno("--context: read {}", op.source);
  UniqueFd out(::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        op.mode));
  if (!out) return fail_errno("bundle: create {}", op.path);
  char buf[65536];
  ssize_t n;
  while ((n = ::read(in.get(), buf, sizeof buf)) > 0)
    TRY(write_all(out.get(), std::string_view(buf, static_cast<size_t>(n)), op.path));
  if (n < 0) return fail_errno("--context: read {}", op.source);
  return {};
}

// What the native child would create in the new root, created on the host instead.
Result<> create(const MountOp& op, int rootfd, int ctxfd, int ctx_src) {
  int base = rootfd;
  std::string rel = op.path;
  if (ctxfd >= 0 && in_context(op.path)) {
    base = ctxfd;
    rel = op.path.substr(8);
  }
  size_t slash = rel.rfind('/');
  std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
  UniqueFd parent = TRY(open_beneath(base, slash == std::string::npos ? "" : rel.substr(0, slash)));
  int p = parent.get();
  switch (op.kind) {
    case OpKind::kMkdir:
      if (::mkdirat(p, name.c_str(), op.mode) != 0 && errno != EEXIST)
        return fail_errno("bundle: mkdir {}", op.path);
      return {};
    case OpKind::kTouch: {
      UniqueFd fd(::openat(p, name.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
      if (!fd) return fail_errno("bundle: create {}", op.path);
      return {};
    }
    case OpKind::kSymlink:
      if (::symlinkat(op.text.c_str(), p, name.c_str()) != 0 && errno != EEXIST)
        return fail_errno("bundle: symlink {}", op.path);
      return {};
    case OpKind::kWriteFile: {
      UniqueFd fd(::openat(p, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                           op.mode));
      if (!fd) return fail_errno("bundle: create {}", op.path);
      return write_all(fd.get(), op.text, op.path);
    }
    case OpKind::kCopyFile:
      return copy_in(ctx_src, op, p, name);
    default:
      return {};
  }
}

std::vector<std::string> cap_names(const std::vector<int>& caps) {
  std::vector<std::string> out;
  for (int c : caps) out.push_back(fmt::format("CAP_{}", security::capability_name(c)));
  return out;
}

json capabilities(const spec::Process& p) {
  if (p.cap_sets)
    return {{"bounding", cap_names(p.caps.bounding)},
            {"effective", cap_names(p.caps.effective)},
            {"permitted", cap_names(p.caps.permitted)},
            {"inheritable", cap_names(p.caps.inheritable)},
            {"ambient", cap_names(p.caps.ambient)}};
  auto caps = cap_names(p.cap_keep);
  json out = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  if (p.user.uid != 0) out["ambient"] = caps;
  return out;
}

json resources(const spec::Resources& r) {
  json out = json::object();
  if (r.memory) {
    out["memory"] = {{"limit", *r.memory}};
    if (!r.memory_swap) out["memory"]["swap"] = *r.memory;
    if (r.memory_swap) out["memory"]["swap"] = *r.memory_swap;
  }
  if (r.cpu_quota) out["cpu"] = {{"quota", *r.cpu_quota}, {"period", r.cpu_period}};
  if (r.pids) out["pids"] = {{"limit", *r.pids}};
  return out;
}

// The same allowlist as natively, applied by the Sentry to the workload's calls (runsc
// --oci-seccomp): what a native sandbox may not call fails under gVisor too. Debian's runsc
// (2022) returns EPERM for every denied call whatever errnoRet says, and glibc falls back from
// clone3 to clone only on ENOSYS: clone3 is allowed here, or no thread could start (the Sentry
// implements it; the host kernel never sees it). It also lacks SCMP_ACT_KILL_PROCESS.
json sandbox_seccomp() {
  auto profile = security::seccomp::default_profile();
  for (auto& sc : profile.syscalls)
    if (sc.nr == SYS_clone3) sc.fallback = security::seccomp::kAllow;
  return security::seccomp::to_oci(profile, "SCMP_ACT_TRAP");
}

}  // namespace

std::string process_config(const spec::Spec& s, const spec::Process& process) {
  json rlimits = json::array();
  for (const auto& r : s.rlimits)
    rlimits.push_back(
        {{"type", std::string(spec::rlimit_name(r.resource))}, {"soft", r.soft}, {"hard", r.hard}});
  json out = {{"terminal", process.terminal},
              {"user", {{"uid", process.user.uid}, {"gid", process.user.gid}}},
              {"args", process.args},
              {"env", process.env},
              {"cwd", process.cwd},
              {"capabilities", capabilities(process)},
              {"rlimits", rlimits},
              {"noNewPrivileges", process.no_new_privileges}};
  winsize ws{};
  if (process.terminal && process::caller_window_size(&ws))
    out["consoleSize"] = {{"height", ws.ws_row}, {"width", ws.ws_col}};
  return out.dump();
}

std::string oci_config(const spec::Spec& s, const plan::Plan& p, const std::string& root_path,
                       const std::string& context_copy, const std::string& netns) {
  json mounts = json::array(), masked = json::array(), readonly = json::array();
  for (const auto& op : p.mounts) {
    if (device_entry(op)) continue;
    if (op.kind == OpKind::kMask) masked.push_back("/" + op.path);
    if (op.kind == OpKind::kReadonly) readonly.push_back("/" + op.path);
    if (json m = mount_of(op, context_copy); !m.is_null()) mounts.push_back(std::move(m));
  }
  json namespaces = json::array();
  for (const char* ns : {"pid", "network", "ipc", "uts", "mount"}) {
    json entry = {{"type", ns}};
    if (std::string_view(ns) == "network" && !netns.empty()) entry["path"] = netns;
    // runsc --network host: the sandbox stays in the host's namespace.
    if (std::string_view(ns) == "network" && s.network.mode == spec::NetworkMode::kHost) continue;
    namespaces.push_back(entry);
  }
  json config = {{"ociVersion", "1.0.2"},
                 {"process", json::parse(process_config(s, s.process))},
                 {"root", {{"path", root_path}, {"readonly", p.root_readonly}}},
                 {"hostname", s.hostname},
                 {"mounts", mounts},
                 {"linux",
                  {{"namespaces", namespaces},
                   {"cgroupsPath", s.cgroup_path},
                   {"resources", resources(s.resources)},
                   {"maskedPaths", masked},
                   {"readonlyPaths", readonly}}}};
  if (!p.seccomp.empty()) {
    // A --seccomp-profile goes to runsc as it was resolved (the Sentry applies it).
    const auto& given = s.security.seccomp_profile;
    config["linux"]["seccomp"] = given.empty() ? sandbox_seccomp() : json::parse(given);
  }
  return config.dump(2) + "\n";
}

Result<> write_bundle(const spec::Spec& s, const plan::Plan& p, const std::string& bundle_dir,
                      const std::string& netns) {
  if (::mkdir(bundle_dir.c_str(), 0700) != 0) return fail_errno("create {}", bundle_dir);
  ScopeExit undo([&] { fs::remove_tree(bundle_dir); });
  UniqueFd bundle(::open(bundle_dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!bundle) return fail_errno("open {}", bundle_dir);
  std::string root_path = p.root_source;
  UniqueFd rootfd;
  if (root_path.empty()) {
    root_path = bundle_dir + "/rootfs";
    if (::mkdirat(bundle.get(), "rootfs", 0755) != 0) return fail_errno("create {}", root_path);
    rootfd = TRY(open_beneath(bundle.get(), "rootfs"));
  } else {
    UniqueFd fd(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return fail_errno("--rootfs {}", root_path);
    rootfd = std::move(fd);
  }
  std::string context_copy;
  UniqueFd ctxfd, ctx_src;
  if (s.context && s.context->mode == spec::ContextMode::kCopy) {
    context_copy = bundle_dir + "/context";
    if (::mkdirat(bundle.get(), "context", 0755) != 0) return fail_errno("create {}", context_copy);
    ctxfd = TRY(open_beneath(bundle.get(), "context"));
    ctx_src.reset(::open(p.context_source.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!ctx_src) return fail_errno("--context {}", p.context_source);
  }
  for (const auto& op : p.mounts) {
    if (device_entry(op)) continue;
    TRY(create(op, rootfd.get(), ctxfd ? ctxfd.get() : -1, ctx_src ? ctx_src.get() : -1));
  }
  UniqueFd cfg(::openat(bundle.get(), "config.json",
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!cfg) return fail_errno("create {}/config.json", bundle_dir);
  TRY(write_all(cfg.get(), oci_config(s, p, root_path, context_copy, netns), "config.json"));
  undo.dismiss();
  return {};
}

}  // namespace nucleus::backend
