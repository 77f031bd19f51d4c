// The validated description of one container: the OCI runtime-spec model (process, root, mounts,
// namespaces, resources) plus nucleus extensions (context dir, Landlock, timeout). Every front end
// produces a Spec; plan::build turns it into what the child executes. No syscalls here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/oci.h"

namespace nucleus::spec {

struct User {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct Process {
  std::vector<std::string> args;
  std::vector<std::string> env;  // "K=V"
  std::string cwd;               // absolute, inside the container
  User user;
  bool terminal = false;      // -t: a pty whose master the monitor relays
  bool open_stdin = false;    // -i: the caller's stdin reaches the workload
  std::vector<int> cap_keep;  // capability numbers kept in every set; empty = none
  bool cap_sets = false;      // --caps-policy: caps' five sets apply, not cap_keep
  Capabilities caps;
  bool no_new_privileges = true;
};

struct Volume {
  std::string source;       // absolute host path (a directory or a regular file)
  std::string destination;  // absolute container path
  bool readonly = false;
};

// --secret SRC[:NAME]: the host file SRC, read when the container starts (never through a
// symlink), at /run/secrets/NAME on a tmpfs, mode 0400, owned by the workload's user. Only the
// path is kept here; the contents never reach the state, inspect or the environment.
struct Secret {
  std::string source;  // absolute host path
  std::string name;    // file name below /run/secrets
};

struct Tmpfs {
  std::string destination;
  uint64_t size = 0;  // bytes; 0 = the kernel default
};

enum class ContextMode { kCopy, kBind };

struct Context {
  std::string source;  // host directory
  ContextMode mode = ContextMode::kCopy;
};

struct IoLimit {
  std::string device;  // as given: "MAJ:MIN" or a /dev path (plan resolves it)
  uint32_t major = 0, minor = 0;
  uint64_t rbps = 0, wbps = 0, riops = 0, wiops = 0;  // 0 = not limited
};

struct Resources {
  std::optional<uint64_t> memory;      // bytes
  std::optional<int64_t> memory_swap;  // memory + swap in bytes; -1 = unlimited swap
  std::optional<uint64_t> cpu_quota;   // microseconds per period
  uint64_t cpu_period = 100000;        // microseconds
  std::optional<uint64_t> cpu_weight;  // 1..10000 (cgroup v2 scale)
  std::optional<uint64_t> pids;
  std::vector<IoLimit> io;
  // Long-lived containers: cgroups for usage figures (stats) and the freezer (pause) too.
  bool accounting = false;
  bool empty() const {
    return !memory && !memory_swap && !cpu_quota && !cpu_weight && !pids && io.empty() &&
           !accounting;
  }
};

struct Rlimit {
  int resource = 0;
  uint64_t soft = 0, hard = 0;
};

struct Security {
  bool seccomp = true;
  bool landlock = true;
  bool allow_degraded = false;  // run without seccomp/Landlock where the host lacks them
  // --seccomp-profile, resolved to linux.seccomp JSON; empty: nucleus's default allowlist.
  std::string seccomp_profile;
  // --landlock-policy's TOML (checked when given); empty: nucleus's own rules.
  std::string landlock_policy;
  // --seccomp-mode trace: every system call allowed and counted into this file (absolute).
  std::string seccomp_trace_log;
  // --readiness-sd-notify: Landlock's abstract-socket scope is lifted, so that the command
  // reaches the NOTIFY_SOCKET nucleus binds in its (own) network namespace.
  bool abstract_unix = false;
};

enum class Runtime { kNative, kGvisor };

enum class NetworkMode { kNone, kHost, kBridge };

struct HostEntry {
  std::string name, ip;  // an /etc/hosts line
};

// Where a bridge container may connect; enforced in its own network namespace.
struct EgressRule {
  std::string cidr;             // "A.B.C.D/N"
  std::vector<uint16_t> ports;  // TCP and UDP destination ports; empty = any
};

struct Egress {
  bool enforced = false;  // --egress-allow or --egress-deny-all: everything else is rejected
  std::vector<EgressRule> allow;
  std::vector<std::string> domains;  // --egress-allow-domain patterns, normalised
};

// -p [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]
struct Publish {
  std::string host_ip;  // empty: every address of the host
  uint16_t host_port = 0, container_port = 0;
  std::string proto = "tcp";
};

struct Network {
  NetworkMode mode = NetworkMode::kNone;
  Egress egress;
  std::vector<Publish> publish;
  std::string name;              // bridge mode: the network ("bridge": the default one)
  bool user_mode = false;        // bridge for a non-root caller: slirp4netns, no host links
  std::vector<std::string> dns;  // nameservers for /etc/resolv.conf (empty: the host's)
  std::vector<HostEntry> hosts;  // extra /etc/hosts entries
  // Where the egress guard answers DNS, for resolv.conf (set by the launcher once the network
  // is plugged; not saved): "" is 127.0.0.11 in the container's own namespace.
  std::string resolver;
};

struct Spec {
  std::string id;        // 64 hex characters
  std::string name;      // optional, unique while the container lives
  std::string hostname;  // defaults to id[:12]
  Process process;
  std::string rootfs;  // empty: the embedded agent root (host system dirs, read-only)
  bool rootfs_readonly = true;
  std::vector<Volume> volumes;
  std::vector<Tmpfs> tmpfs;
  std::vector<Secret> secrets;
  std::optional<Context> context;
  bool user_namespace = false;  // --rootless, or a non-root caller
  Resources resources;
  bool explicit_resources = false;  // limits the user asked for (vs. defaults) must apply
  std::vector<Rlimit> rlimits;
  Security security;
  uint64_t timeout_seconds = 0;  // 0 = none
  Network network;
  Runtime runtime = Runtime::kNative;
  std::string gvisor_platform;  // systrap | ptrace | kvm; empty: probed
  std::string cgroup_path;      // absolute under each hierarchy root: /nucleus/<id>
  // --service-mode production (spec/run_flags.cc): every layer must apply, the mounts are
  // audited before the command runs, /proc hides other users' processes, and root inside is
  // id_map's unprivileged host range (uids and gids alike).
  bool production = false;
  bool init = false;  // --init (production implies it): nucleus's init is PID 1
  std::vector<IdMap> id_map;
  bool verify_rootfs = false;  // --verify-rootfs-attestation (fs/attest.h)
  // A container made from an OCI bundle (nucleus create/run --bundle): what config.json says
  // beyond the above. Not saved with the Spec: the state directory keeps config.json itself.
  std::optional<Oci> oci;
};

}  // namespace nucleus::spec
