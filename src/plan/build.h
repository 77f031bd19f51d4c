// Spec -> Plan, in the parent: checks the host paths the Spec names, lays out the mount
// operations, compiles seccomp and Landlock policies, and prepares argv/envp.
#pragma once

#include <memory>

#include "plan/plan.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::plan {

// What the plan depends on about the host, probed once per run (faked by tests).
struct Host {
  int landlock_abi = 0;
  bool seccomp = false;
  int last_cap = 40;
  uid_t uid = 0;
  gid_t gid = 0;
};

Host probe_host();

Result<std::unique_ptr<Plan>> build(const spec::Spec& spec, const Host& host);

// The process part alone (argv/envp, identity, rlimits, seccomp, Landlock, capabilities): what
// `exec` applies to a new process in an existing container.
Result<> add_process(const spec::Spec& spec, const Host& host, Plan& plan);

// What an OCI bundle's plan needs to know of the host and of the container's cgroup.
struct OciHost {
  // Where the new root is attached before pivot_root: the rootfs itself, as runc binds it onto
  // itself (a staging directory elsewhere would hide that one from createContainer hooks).
  std::string stage_dir;
  std::string v2_root;  // the cgroup2 mount (pure v2 hosts)
  // v1 (and hybrid) hosts: each hierarchy under /sys/fs/cgroup by its directory name, its
  // mount point, and as kCgroup's text ("NAME=OPTIONS;...", cgroup2 with empty options, links
  // "NAME->TARGET;"); empty on pure v2 hosts.
  std::vector<std::pair<std::string, std::string>> v1_dirs;
  std::vector<std::pair<std::string, std::string>> v1_links;
  std::string v1_mounts;
};

// A Spec made from an OCI bundle (Spec::oci): its root, process and policies (plan/oci*.cc).
Result<std::unique_ptr<Plan>> build_oci(const spec::Spec& spec, const Host& host,
                                        const OciHost& oci_host);
Result<> add_oci_root_ops(const spec::Spec& spec, const OciHost& oci_host, Plan& plan);
// The process of an OCI container or of `exec` into one: identity, capability sets, rlimits,
// seccomp, as config.json (or process.json) says.
Result<> add_oci_process(const spec::Spec& spec, const Host& host, Plan& plan);

// --rootfs DIR: a directory (not through a symlink), as attested when the spec asks for it.
Result<> check_rootfs(const spec::Spec& spec);

// Pieces of build, exposed for tests.
Result<> add_root_ops(const spec::Spec& spec, Plan& plan);                         // rootfs.cc
Result<> add_context_ops(const spec::Context& ctx, Plan& plan);                    // context.cc
bool context_excluded(std::string_view name);                                      // context.cc
std::vector<security::landlock::PathRule> landlock_rules(const spec::Spec& spec);  // policies.cc
// The same for an OCI container's root and mounts (org.nucleus.landlock "default").
std::vector<security::landlock::PathRule> oci_landlock_defaults(const spec::Spec& spec);
// network_files.cc: /etc/resolv.conf from the network mode, --dns and the host's file; /etc/hosts.
std::string resolv_conf(const spec::Network& network, const std::string& host_resolv_conf);
std::string resolv_conf(const spec::Spec& spec);
std::string hosts_file(const spec::Spec& spec);

}  // namespace nucleus::plan
