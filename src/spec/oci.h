// The parts of an OCI runtime-spec config.json (1.0-1.2, Linux) that nucleus's own flags have no
// words for: a Spec made from a bundle carries them here (Spec::oci), and plan::build_oci lays
// them out. What both share (args, env, cwd, user, rlimits, hostname, cgroup limits) stays in
// the Spec itself.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "security/landlock.h"

namespace nucleus::spec {

struct IdMap {
  uint32_t container_id = 0, host_id = 0, size = 0;
};

struct OciMount {
  std::string destination, type, source;
  std::vector<std::string> options;
  std::vector<IdMap> uid_mappings, gid_mappings;  // idmapped mounts
};

// linux.namespaces: a new one (path empty) or the one at path.
struct Namespace {
  std::string type;  // pid network mount ipc uts user cgroup time
  std::string path;
};

struct Device {
  std::string path;
  char type = 'c';  // c (or u), b, p
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid, gid;
};

// linux.resources.devices: the device cgroup's rules, in order.
struct DeviceRule {
  bool allow = false;
  char type = 'a';                 // a c b
  int64_t major = -1, minor = -1;  // -1: any
  std::string access = "rwm";
};

struct Hook {
  std::string path;
  std::vector<std::string> args, env;
  std::optional<int> timeout;  // seconds
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;
  bool empty() const {
    return prestart.empty() && create_runtime.empty() && create_container.empty() &&
           start_container.empty() && poststart.empty() && poststop.empty();
  }
};

// Capability numbers of each set of process.capabilities.
struct Capabilities {
  std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

// A seccomp condition of the OCI format: op is SCMP_CMP_* without the prefix.
struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0, value_two = 0;
  std::string op;  // NE LT LE EQ GE GT MASKED_EQ
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_*
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures, flags;
  std::string listener_path, listener_metadata;
  std::vector<SeccompRule> syscalls;
};

struct WeightDevice {
  int64_t major = 0, minor = 0;
  std::optional<uint16_t> weight, leaf_weight;
};

// The OCI resources nucleus's own flags do not set (those live in spec::Resources).
struct OciResources {
  std::optional<int64_t> memory_reservation, memory_kernel, memory_kernel_tcp;
  std::optional<uint64_t> memory_swappiness;
  bool disable_oom_killer = false;
  bool memory_use_hierarchy = false;
  std::optional<uint64_t> cpu_shares;  // cgroup v1 units (2..262144)
  std::optional<int64_t> cpu_realtime_runtime;
  std::optional<uint64_t> cpu_realtime_period, cpu_burst;
  std::optional<int64_t> cpu_idle;
  std::string cpus, mems;  // cpuset
  std::optional<uint16_t> blkio_weight, blkio_leaf_weight;
  std::vector<WeightDevice> blkio_weight_devices;
  std::map<std::string, uint64_t> hugepage_limits;  // page size ("2MB") -> bytes
  std::map<std::string, std::string> unified;       // cgroup v2 file -> value
  std::vector<DeviceRule> devices;
  bool pids_unlimited = false;  // pids.limit <= 0
};

// Landlock from annotations (the OCI spec has no field for it; see docs/oci.md):
// org.nucleus.landlock and org.nucleus.landlock.scope.
struct OciLandlock {
  bool filesystem = false;  // org.nucleus.landlock given: every access not granted is denied
  bool defaults = false;    // "default": nucleus's rules for this root and its mounts
  std::vector<security::landlock::PathRule> rules;
  uint64_t scopes = 0;  // LANDLOCK_SCOPE_*
  bool any() const { return filesystem || scopes != 0; }
};

struct Oci {
  std::string bundle;  // absolute
  std::string root;    // absolute rootfs path
  bool root_readonly = false;
  std::vector<OciMount> mounts;
  std::vector<Namespace> namespaces;
  std::vector<IdMap> uid_mappings, gid_mappings;
  std::vector<Device> devices;
  std::map<std::string, std::string> sysctl;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> masked_paths, readonly_paths;
  std::string rootfs_propagation;  // shared slave private unbindable (and r*); "" default
  std::string cgroups_path;        // as given: absolute, relative, or slice:prefix:name
  std::optional<Seccomp> seccomp;
  Hooks hooks;
  Capabilities capabilities;
  std::vector<gid_t> additional_gids;
  std::optional<uint32_t> umask;
  std::optional<int> oom_score_adj;
  std::optional<unsigned long> personality;
  std::map<std::string, std::pair<int64_t, uint32_t>> time_offsets;  // monotonic|boottime
  std::string domainname;
  std::string apparmor_profile, selinux_label, mount_label;
  bool has_hostname = false;  // hostname given (an empty one is not set)
  unsigned console_rows = 0, console_cols = 0;
  OciResources resources;
  OciLandlock landlock;
};

}  // namespace nucleus::spec
