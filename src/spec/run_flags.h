// `nucleus run` flags, as typed, and their translation into a validated Spec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::spec {

struct RunFlags {
  std::vector<std::string> command;
  std::string name, hostname, workdir, user;
  std::vector<std::string> env;        // -e K=V or -e K (taken from the caller's environment)
  std::vector<std::string> env_files;  // contents already read by the CLI, one per --env-file
  bool interactive = false, tty = false;
  bool rootless = false;
  std::string rootfs;
  bool rootfs_rw = false;
  std::string context, context_mode = "copy";
  std::vector<std::string> volumes, tmpfs, cap_add;
  std::vector<std::string> secrets;  // SRC[:NAME]
  std::string memory, memory_swap, cpus, cpu_weight, pids;
  std::vector<std::string> io_limits;
  std::string timeout;
  bool allow_degraded_security = false;
  bool no_landlock = false;
  std::string seccomp_profile;           // the file's contents, read by the CLI (Docker's format)
  std::string seccomp_profile_sha256;    // hex; the CLI checks the contents against it
  std::string seccomp_mode = "enforce";  // or trace
  std::string seccomp_log;               // trace: where the counts go
  std::string landlock_policy;           // the file's contents (TOML), read by the CLI
  std::string landlock_policy_sha256;
  std::string caps_policy;  // the file's contents (TOML), read by the CLI
  std::string caps_policy_sha256;
  std::string runtime = "native", gvisor_platform, trust_level = "trusted";
  std::string network = "none";  // none | host | bridge | a network's name
  bool allow_host_network = false;
  std::vector<std::string> dns, add_hosts;
  std::vector<std::string> egress_allow;          // CIDR[:PORT[,PORT...]]
  std::vector<std::string> egress_allow_domains;  // NAME or *.NAME
  std::vector<std::string> publish;               // [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]
  bool egress_deny_all = false;
  std::string service_mode = "default";  // or production
  bool verify_rootfs_attestation = false;
  bool init = false;
};

// What the translation needs to know about the caller; filled by the CLI, faked by tests.
struct Caller {
  uid_t uid = 0;
  unsigned ncpu = 1;
  uint64_t nofile_hard = 1024;
  uint64_t nproc_hard = UINT64_MAX;
  std::string id;              // the new container's ID (64 hex)
  std::string kernel_release;  // uname -r, for a seccomp profile's minKernel
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

inline constexpr uint64_t kDefaultPids = 2048;      // as podman's default pids-limit
inline constexpr uint64_t kMinMemory = 6ull << 20;  // as docker: below this nothing starts

Result<Spec> from_run_flags(const RunFlags& flags, const Caller& caller);

// --network, --dns, --add-host (network_flags.cc).
Result<Network> parse_network(const RunFlags& flags, const Caller& caller);
// A network's name: letters, digits, '_', '.', '-', starting with a letter or digit.
bool valid_network_name(std::string_view name);
// A container name: letters, digits, '_', '.', '-', starting with a letter or digit.
bool valid_name(std::string_view name);
// --egress-allow-domain patterns, checked, lower-cased and without duplicates.
Result<std::vector<std::string>> parse_domains(const std::vector<std::string>& patterns);

// `nucleus exec` flags: a new process in a running container, with the container's policies.
struct ExecFlags {
  std::vector<std::string> command, env;
  std::string workdir, user;
  bool interactive = false, tty = false;
};

// The container's process description with the exec flags applied (env added to the
// container's, working directory and user replaced when given).
Result<Process> exec_process(const Spec& container, const ExecFlags& flags, const Caller& caller);

// "K=V" lines; blank lines and '#' comments skipped; "K" alone takes the caller's value.
Result<std::vector<std::string>> parse_env_file(std::string_view content, const Caller& caller);

// Host paths a volume or tmpfs may not cover inside the container.
bool is_system_destination(std::string_view normalized_dst);

}  // namespace nucleus::spec
