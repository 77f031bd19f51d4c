#include "spec/run_flags.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>

#include "security/capability_names.h"
#include "spec/caps_policy.h"
#include "spec/landlock_policy.h"
#include "spec/seccomp_json.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::spec {

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 128 || !std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

namespace {

constexpr std::string_view kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > 64 || h.front() == '-' || h.front() == '.') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

bool valid_env_key(std::string_view k) {
  return !k.empty() && k.find('=') == std::string_view::npos &&
         k.find('\0') == std::string_view::npos;
}

// Appends or replaces K=V in env.
void set_env(std::vector<std::string>& env, std::string kv) {
  std::string_view key = std::string_view(kv).substr(0, kv.find('='));
  for (auto& e : env) {
    if (std::string_view(e).substr(0, e.find('=')) == key) {
      e = std::move(kv);
      return;
    }
  }
  env.push_back(std::move(kv));
}

Result<std::string> env_entry(std::string_view item, const Caller& caller) {
  size_t eq = item.find('=');
  std::string key(item.substr(0, eq));
  if (!valid_env_key(key)) return fail_invalid("invalid environment variable '{}'", item);
  if (eq != std::string_view::npos) return std::string(item);
  auto v = caller.getenv ? caller.getenv(key) : std::nullopt;
  if (!v) return std::string();  // as docker: -e K with K unset passes nothing
  return key + "=" + *v;
}

Result<User> parse_user(std::string_view s) {
  auto parts = parse::split(s, ':');
  if (parts.size() > 2) return fail_invalid("invalid user '{}': want UID[:GID]", s);
  auto uid = parse::uint(parts[0], 0, 0xfffffffeu);
  if (!uid) return fail_invalid("invalid user '{}': want a numeric UID[:GID]", s);
  User u{static_cast<uid_t>(*uid), static_cast<gid_t>(*uid)};
  if (parts.size() == 2) {
    auto gid = parse::uint(parts[1], 0, 0xfffffffeu);
    if (!gid) return fail_invalid("invalid user '{}': want a numeric UID[:GID]", s);
    u.gid = static_cast<gid_t>(*gid);
  }
  return u;
}

Result<std::string> container_path(std::string_view p, std::string_view what) {
  auto n = fs::normalize_abs(p);
  if (!n) return fail_invalid("{} '{}': {}", what, p, n.error().message);
  return *n;
}

Result<Volume> parse_volume(std::string_view s) {
  auto parts = parse::split(s, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty())
    return fail_invalid("invalid volume '{}': want SRC:DST[:ro|rw]", s);
  Volume v;
  v.source = TRY(container_path(parts[0], "volume source"));
  v.destination = TRY(container_path(parts[1], "volume destination"));
  if (parts.size() == 3) {
    if (parts[2] == "ro")
      v.readonly = true;
    else if (parts[2] != "rw")
      return fail_invalid("invalid volume mode '{}': want ro or rw", parts[2]);
  }
  if (is_system_destination(v.destination))
    return fail_invalid("volume destination {} would cover a system directory", v.destination);
  return v;
}

Result<Tmpfs> parse_tmpfs(std::string_view s) {
  auto parts = parse::split(s, ':');
  if (parts.size() > 2) return fail_invalid("invalid tmpfs '{}': want DST[:SIZE]", s);
  Tmpfs t;
  t.destination = TRY(container_path(parts[0], "tmpfs destination"));
  if (is_system_destination(t.destination))
    return fail_invalid("tmpfs destination {} would cover a system directory", t.destination);
  if (parts.size() == 2) {
    t.size =
        TRY(parse::size(parts[1]).map_error([&](const Error& e) { return e.wrap("--tmpfs"); }));
    if (t.size == 0) return fail_invalid("--tmpfs {}: size must be positive", s);
  }
  return t;
}

Result<IoLimit> parse_io_limit(std::string_view s) {
  // DEVICE:KEY=VALUE[,KEY=VALUE...] where DEVICE is MAJ:MIN or /dev/NAME
  size_t eq = s.find('=');
  size_t colon = eq == std::string_view::npos ? eq : s.rfind(':', eq);
  if (colon == std::string_view::npos || colon == 0)
    return fail_invalid("invalid --io-limit '{}': want DEVICE:rbps=N[,wbps=N,riops=N,wiops=N]", s);
  IoLimit io;
  io.device = std::string(s.substr(0, colon));
  if (io.device[0] != '/') {
    auto mm = parse::split(io.device, ':');
    auto maj = mm.size() == 2 ? parse::uint(mm[0], 0, 4095) : fail_invalid("");
    auto min = mm.size() == 2 ? parse::uint(mm[1], 0, 1048575) : fail_invalid("");
    if (!maj || !min)
      return fail_invalid("invalid --io-limit device '{}': want MAJ:MIN or /dev/NAME", io.device);
    io.major = static_cast<uint32_t>(*maj);
    io.minor = static_cast<uint32_t>(*min);
  }
  for (auto kv : parse::split(s.substr(colon + 1), ',')) {
    size_t e = kv.find('=');
    std::string_view key = kv.substr(0, e), val = e == kv.npos ? "" : kv.substr(e + 1);
    bool bytes = key == "rbps" || key == "wbps";
    auto v = bytes ? parse::size(val) : parse::uint(val, 1, UINT64_MAX);
    if (!v || *v == 0) return fail_invalid("invalid --io-limit value '{}'", kv);
    if (key == "rbps")
      io.rbps = *v;
    else if (key == "wbps")
      io.wbps = *v;
    else if (key == "riops")
      io.riops = *v;
    else if (key == "wiops")
      io.wiops = *v;
    else
      return fail_invalid("invalid --io-limit key '{}': want rbps, wbps, riops or wiops", key);
  }
  return io;
}

Result<> parse_resources(const RunFlags& f, const Caller& caller, Resources& r) {
  auto wrap = [](std::string_view flag) {
    return [flag](const Error& e) { return e.wrap(fmt::format("--{}", flag)); };
  };
  if (!f.memory.empty()) {
    r.memory = TRY(parse::size(f.memory).map_error(wrap("memory")));
    if (*r.memory < kMinMemory)
      return fail_invalid("--memory {} is below the minimum of 6m", f.memory);
  }
  if (!f.memory_swap.empty()) {
    if (!r.memory) return fail_invalid("--memory-swap needs --memory");
    if (f.memory_swap == "-1") {
      r.memory_swap = -1;
    } else {
      uint64_t ms = TRY(parse::size(f.memory_swap).map_error(wrap("memory-swap")));
      if (ms < *r.memory)
        return fail_invalid("--memory-swap {} is smaller than --memory {}", f.memory_swap,
                            f.memory);
      r.memory_swap = static_cast<int64_t>(ms);
    }
  }
  if (!f.cpus.empty()) {
    uint64_t m = TRY(parse::millis(f.cpus).map_error(wrap("cpus")));
    if (m < 10 || m > caller.ncpu * 1000ull)
      return fail_invalid("--cpus {}: the range here is 0.01 to {}", f.cpus, caller.ncpu);
    r.cpu_quota = m * r.cpu_period / 1000;
  }
  if (!f.cpu_weight.empty())
    r.cpu_weight = TRY(parse::uint(f.cpu_weight, 1, 10000).map_error(wrap("cpu-weight")));
  r.pids =
      f.pids.empty() ? kDefaultPids : TRY(parse::uint(f.pids, 1, 4194304).map_error(wrap("pids")));
  for (const auto& s : f.io_limits) r.io.push_back(TRY(parse_io_limit(s)));
  return {};
}

std::vector<Rlimit> default_rlimits(const Resources& r, const Caller& caller) {
  // Never above the caller's own hard limits (root may lack CAP_SYS_RESOURCE).
  uint64_t nofile_hard = std::min<uint64_t>(caller.nofile_hard, 1u << 20);
  std::vector<Rlimit> out = {{RLIMIT_NOFILE, std::min<uint64_t>(1024, nofile_hard), nofile_hard},
                             {RLIMIT_CORE, 0, 0}};
  if (r.pids) {
    uint64_t nproc = std::min<uint64_t>(*r.pids, caller.nproc_hard);
    out.push_back({RLIMIT_NPROC, nproc, nproc});
  }
  return out;
}

Result<> parse_process(const RunFlags& f, const Caller& caller, Spec& s) {
  Process& p = s.process;
  if (f.command.empty()) return fail_invalid("no command given (nucleus run [OPTIONS] -- COMMAND)");
  p.args = f.command;
  p.terminal = f.tty;
  p.open_stdin = f.interactive;
  if (!f.user.empty()) p.user = TRY(parse_user(f.user));
  p.env = {std::string(kDefaultPath), "HOSTNAME=" + s.hostname,
           p.user.uid == 0 ? "HOME=/root" : "HOME=/tmp"};
  if (f.tty) p.env.emplace_back("TERM=xterm");
  for (const auto& content : f.env_files)
    for (auto& kv : TRY(parse_env_file(content, caller))) set_env(p.env, std::move(kv));
  for (const auto& e : f.env) {
    std::string kv = TRY(env_entry(e, caller));
    if (!kv.empty()) set_env(p.env, std::move(kv));
  }
  std::string cwd = f.workdir.empty() ? (f.context.empty() ? "/" : "/context") : f.workdir;
  p.cwd = TRY(container_path(cwd, "working directory"));
  for (const auto& c : f.cap_add) {
    auto cap = security::capability_from_name(c);
    if (!cap) return fail_invalid("unknown capability '{}'", c);
    if (std::find(p.cap_keep.begin(), p.cap_keep.end(), *cap) == p.cap_keep.end())
      p.cap_keep.push_back(*cap);
  }
  if (!f.caps_policy.empty()) {
    if (!f.cap_add.empty()) return fail_invalid("--caps-policy and --cap-add: give one of them");
    auto policy = TRY(parse_caps_policy(f.caps_policy, "--caps-policy"));
    p.cap_keep = std::move(policy.keep);
    p.cap_sets = policy.sets;
    p.caps = std::move(policy.caps);
  }
  return {};
}

// --seccomp-mode trace --seccomp-log FILE: a weakening asked for in so many words, with a file
// that can be written (a directory that exists; nothing but a regular file at the path).
Result<> parse_seccomp_mode(const RunFlags& f, Spec& s) {
  if (f.seccomp_mode == "enforce") {
    if (!f.seccomp_log.empty()) return fail_invalid("--seccomp-log goes with --seccomp-mode trace");
    return {};
  }
  if (f.seccomp_mode != "trace")
    return fail_invalid("--seccomp-mode {}: want enforce or trace", f.seccomp_mode);
  if (f.seccomp_log.empty())
    return fail_invalid("--seccomp-mode trace needs --seccomp-log FILE (where the calls go)");
  if (!f.seccomp_profile.empty())
    return fail_invalid("--seccomp-mode trace allows every call: it takes no --seccomp-profile");
  s.security.seccomp_trace_log = TRY(container_path(f.seccomp_log, "--seccomp-log"));
  return {};
}

// Host paths a production service may not have bound in, whole or below (beyond the system
// destinations every run refuses): the host's own configuration, kernel interfaces, boot
// files, root's home and runtime state.
bool denied_volume_source(std::string_view src) {
  static constexpr std::array<std::string_view, 3> kExact = {"/", "/var", "/home"};
  static constexpr std::array<std::string_view, 14> kTree = {
      "/etc",     "/proc",    "/sys", "/dev", "/boot", "/root", "/run",
      "/var/run", "/var/lib", "/usr", "/bin", "/sbin", "/lib",  "/lib64"};
  if (std::find(kExact.begin(), kExact.end(), src) != kExact.end()) return true;
  return std::any_of(kTree.begin(), kTree.end(), [&](auto d) { return fs::is_within(src, d); });
}

// --service-mode production: fail closed. What would weaken a layer is refused here; what the
// host lacks is refused by plan::build (no --allow-degraded-security), the mounts by the audit.
Result<> apply_service_mode(const RunFlags& f, Spec& s) {
  s.verify_rootfs = f.verify_rootfs_attestation;
  s.init = f.init;
  if (s.init && s.runtime != Runtime::kNative)
    return fail_invalid("--init: the native runtime only (runsc has its own init)");
  if (s.verify_rootfs && s.rootfs.empty())
    return fail_invalid("--verify-rootfs-attestation needs --rootfs");
  if (f.service_mode == "default") return {};
  if (f.service_mode != "production")
    return fail_invalid("--service-mode {}: want default or production", f.service_mode);
  auto refuse = [](std::string_view why) {
    return fail_invalid("--service-mode production: {}", why);
  };
  if (f.allow_degraded_security)
    return refuse("every layer must apply; --allow-degraded-security is refused");
  if (f.no_landlock) return refuse("every layer must apply; --no-landlock is refused");
  if (f.allow_host_network || s.network.mode == NetworkMode::kHost)
    return refuse("the host's network is refused (--network host, --allow-host-network)");
  if (f.memory.empty() || f.cpus.empty()) return refuse("--memory and --cpus are required");
  if (s.rootfs.empty()) return refuse("--rootfs is required (the service's own root)");
  if (f.rootfs_rw) return refuse("the root filesystem is read-only; --rootfs-rw is refused");
  if (!s.security.seccomp_trace_log.empty()) return refuse("--seccomp-mode trace is refused");
  if (s.runtime != Runtime::kNative)
    return refuse("the native runtime only (Landlock and the mount audit are the host's)");
  if (s.context && s.context->mode == ContextMode::kCopy)
    return refuse("--context copies are writable and executable; use --context-mode bind");
  if (s.user_namespace)
    return refuse("needs root (root inside is mapped to an unprivileged range of the host)");
  for (const auto& v : s.volumes)
    if (denied_volume_source(v.source))
      return fail_invalid("--service-mode production: volume source {} is a system directory",
                          v.source);
  s.production = true;
  s.init = true;
  s.user_namespace = true;
  // A 65536-id range per container, from its ID, far above any account.
  uint32_t block = static_cast<uint32_t>(std::stoul(s.id.substr(0, 3), nullptr, 16));
  s.id_map = {{0, 0x10000000u + block * 0x10000u, 0x10000u}};
  return {};
}

}  // namespace

Result<Process> exec_process(const Spec& container, const ExecFlags& f, const Caller& caller) {
  Process p = container.process;
  if (f.command.empty()) return fail_invalid("no command given (nucleus exec ID COMMAND...)");
  p.args = f.command;
  p.terminal = f.tty;
  p.open_stdin = f.interactive;
  if (!f.user.empty()) {
    p.user = TRY(parse_user(f.user));
    if (container.user_namespace && (p.user.uid != 0 || p.user.gid != 0))
      return fail_invalid("-u {}: only root (0) is mapped in a rootless sandbox", f.user);
  }
  if (f.tty) set_env(p.env, "TERM=xterm");
  for (const auto& e : f.env) {
    std::string kv = TRY(env_entry(e, caller));
    if (!kv.empty()) set_env(p.env, std::move(kv));
  }
  if (!f.workdir.empty()) p.cwd = TRY(container_path(f.workdir, "working directory"));
  return p;
}

namespace {

constexpr std::string_view kSecretsDir = "/run/secrets";

// SRC[:NAME] (NAME may be spelled /run/secrets/NAME); NAME defaults to SRC's file name.
Result<Secret> parse_secret(std::string_view item) {
  size_t colon = item.find(':');
  Secret out;
  out.source = TRY(container_path(item.substr(0, colon), "--secret source"));
  std::string_view name = colon == std::string_view::npos
                              ? std::string_view(out.source).substr(out.source.rfind('/') + 1)
                              : item.substr(colon + 1);
  if (name.substr(0, kSecretsDir.size() + 1) == std::string(kSecretsDir) + "/")
    name.remove_prefix(kSecretsDir.size() + 1);
  if (!valid_name(name) || name == "." || name == "..")
    return fail_invalid(
        "--secret {}: the name '{}' is not a file name (letters, digits, '_', '.', "
        "'-'; it goes below {})",
        item, name, kSecretsDir);
  out.name = name;
  return out;
}

Result<> parse_secrets(const RunFlags& f, Spec& s) {
  for (const auto& item : f.secrets) {
    Secret sec = TRY(parse_secret(item));
    for (const auto& other : s.secrets)
      if (other.name == sec.name)
        return fail_invalid("--secret: two secrets named {} ({} and {})", sec.name, other.source,
                            sec.source);
    s.secrets.push_back(std::move(sec));
  }
  if (s.secrets.empty()) return {};
  // The secrets' tmpfs is made at /run/secrets: not inside a volume (its directory would be made
  // on the host) nor covered by one.
  for (const auto& v : s.volumes)
    if (fs::is_within(kSecretsDir, v.destination) || fs::is_within(v.destination, kSecretsDir))
      return fail_invalid("--secret and the volume at {}: secrets have {} to themselves",
                          v.destination, kSecretsDir);
  return {};
}

Result<> parse_filesystem(const RunFlags& f, Spec& s) {
  if (!f.rootfs.empty())
    s.rootfs = TRY(container_path(f.rootfs, "--rootfs"));
  else if (f.rootfs_rw)
    return fail_invalid("--rootfs-rw needs --rootfs");
  s.rootfs_readonly = !f.rootfs_rw;
  for (const auto& v : f.volumes) s.volumes.push_back(TRY(parse_volume(v)));
  for (const auto& t : f.tmpfs) s.tmpfs.push_back(TRY(parse_tmpfs(t)));
  if (!f.context.empty()) {
    Context c;
    c.source = TRY(container_path(f.context, "--context"));
    if (f.context_mode == "bind")
      c.mode = ContextMode::kBind;
    else if (f.context_mode != "copy")
      return fail_invalid("invalid --context-mode '{}': want copy or bind", f.context_mode);
    s.context = c;
  }
  std::vector<std::string> dsts;
  for (const auto& v : s.volumes) dsts.push_back(v.destination);
  for (const auto& t : s.tmpfs) dsts.push_back(t.destination);
  if (s.context) dsts.emplace_back("/context");
  TRY(parse_secrets(f, s));
  if (!s.secrets.empty()) dsts.emplace_back(kSecretsDir);
  std::sort(dsts.begin(), dsts.end());
  auto dup = std::adjacent_find(dsts.begin(), dsts.end());
  if (dup != dsts.end()) return fail_invalid("two mounts at {}", *dup);
  return {};
}

}  // namespace

bool is_system_destination(std::string_view dst) {
  static constexpr std::array<std::string_view, 3> kExact = {"/", "/etc", "/context"};
  static constexpr std::array<std::string_view, 8> kTree = {"/usr",   "/bin",  "/sbin", "/lib",
                                                            "/lib64", "/proc", "/sys",  "/dev"};
  if (std::find(kExact.begin(), kExact.end(), dst) != kExact.end()) return true;
  return std::any_of(kTree.begin(), kTree.end(), [&](auto d) { return fs::is_within(dst, d); });
}

Result<std::vector<std::string>> parse_env_file(std::string_view content, const Caller& caller) {
  std::vector<std::string> out;
  size_t lineno = 0;
  for (auto line : parse::split(content, '\n')) {
    lineno++;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    auto kv = env_entry(line, caller);
    if (!kv) return fail_invalid("env file line {}: {}", lineno, kv.error().message);
    if (!kv->empty()) out.push_back(std::move(*kv));
  }
  return out;
}

namespace {

Result<> parse_runtime(const RunFlags& f, Spec& s) {
  if (f.trust_level != "trusted" && f.trust_level != "untrusted")
    return fail_invalid("--trust-level {}: want trusted or untrusted", f.trust_level);
  if (f.runtime == "gvisor") {
    s.runtime = Runtime::kGvisor;
  } else if (f.runtime != "native") {
    return fail_invalid("--runtime {}: want native or gvisor", f.runtime);
  } else if (f.trust_level == "untrusted") {
    return fail_invalid("--trust-level untrusted needs --runtime gvisor");
  }
  if (!f.gvisor_platform.empty()) {
    if (s.runtime != Runtime::kGvisor)
      return fail_invalid("--gvisor-platform goes with --runtime gvisor");
    if (f.gvisor_platform != "systrap" && f.gvisor_platform != "ptrace" &&
        f.gvisor_platform != "kvm")
      return fail_invalid("--gvisor-platform {}: want systrap, ptrace or kvm", f.gvisor_platform);
    s.gvisor_platform = f.gvisor_platform;
  }
  return {};
}

}  // namespace

Result<Spec> from_run_flags(const RunFlags& f, const Caller& caller) {
  Spec s;
  s.id = caller.id;
  if (!f.name.empty() && !valid_name(f.name))
    return fail_invalid("invalid name '{}': use letters, digits, '_', '.', '-'", f.name);
  s.name = f.name;
  s.hostname = f.hostname.empty() ? s.id.substr(0, 12) : f.hostname;
  if (!valid_hostname(s.hostname)) return fail_invalid("invalid hostname '{}'", s.hostname);
  s.user_namespace = f.rootless || caller.uid != 0;
  TRY(parse_process(f, caller, s));
  if (s.user_namespace && (s.process.user.uid != 0 || s.process.user.gid != 0))
    return fail_invalid("-u {}: only root (0) is mapped in a rootless sandbox", f.user);
  TRY(parse_filesystem(f, s));
  TRY(parse_resources(f, caller, s.resources));
  s.explicit_resources = !f.memory.empty() || !f.cpus.empty() || !f.cpu_weight.empty() ||
                         !f.pids.empty() || !f.io_limits.empty();
  s.rlimits = default_rlimits(s.resources, caller);
  if (!f.timeout.empty())
    s.timeout_seconds = TRY(parse::uint(f.timeout, 1, 365ull * 86400).map_error([](const Error& e) {
      return e.wrap("--timeout");
    }));
  s.security.allow_degraded = f.allow_degraded_security;
  if (f.no_landlock && !f.landlock_policy.empty())
    return fail_invalid("--no-landlock contradicts --landlock-policy");
  if (f.no_landlock) s.security.landlock = false;
  if (!f.seccomp_profile.empty()) {
    ProfileTarget target{{}, "amd64", caller.kernel_release};
    // A profile's capability conditions go by what the workload can hold after execve.
    for (int cap : s.process.cap_sets ? s.process.caps.permitted : s.process.cap_keep)
      target.caps.push_back(fmt::format("CAP_{}", security::capability_name(cap)));
    s.security.seccomp_profile =
        TRY_CTX(resolve_profile(f.seccomp_profile, "profile", target), "--seccomp-profile");
  }
  TRY(parse_seccomp_mode(f, s));
  if (!f.landlock_policy.empty()) {
    TRY(parse_landlock_policy(f.landlock_policy, "--landlock-policy"));  // errors now, not later
    s.security.landlock_policy = f.landlock_policy;
  }
  s.cgroup_path = "/nucleus/" + s.id;
  TRY(parse_runtime(f, s));
  if (s.runtime == Runtime::kGvisor && !s.security.landlock_policy.empty())
    return fail_invalid(
        "--landlock-policy: Landlock is the host kernel's; gVisor sandboxes "
        "have their own kernel (use --runtime native)");
  if (s.runtime == Runtime::kGvisor && !s.secrets.empty())
    return fail_invalid(
        "--secret: not with --runtime gvisor (runsc would read it from a bundle on disk)");
  if (s.runtime == Runtime::kGvisor && !s.security.seccomp_trace_log.empty())
    return fail_invalid(
        "--seccomp-mode trace: gVisor sandboxes have their own kernel (use "
        "--runtime native)");
  s.network = TRY(parse_network(f, caller));
  if (s.runtime == Runtime::kGvisor && s.network.user_mode)
    return fail_invalid("--network bridge with --runtime gvisor needs root");
  TRY(apply_service_mode(f, s));
  return s;
}

}  // namespace nucleus::spec
