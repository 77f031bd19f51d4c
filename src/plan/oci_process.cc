// An OCI bundle's namespaces, process and policies: what config.json says, nothing of
// nucleus's own defaults (the engine chose them).
#include <sched.h>

#include <algorithm>

#include "plan/build.h"
#include "security/seccomp_oci.h"

namespace nucleus::plan {
namespace {

constexpr int kNewTime = 0x00000080;  // CLONE_NEWTIME

int clone_flag(const std::string& type) {
  if (type == "pid") return CLONE_NEWPID;
  if (type == "network") return CLONE_NEWNET;
  if (type == "mount") return CLONE_NEWNS;
  if (type == "ipc") return CLONE_NEWIPC;
  if (type == "uts") return CLONE_NEWUTS;
  if (type == "user") return CLONE_NEWUSER;
  if (type == "cgroup") return CLONE_NEWCGROUP;
  return kNewTime;
}

Result<> add_namespaces(const spec::Spec& s, Plan& p) {
  const spec::Oci& oci = *s.oci;
  p.new_cgroup_namespace = false;
  bool mount_ns = false;
  for (const auto& n : oci.namespaces) {
    int flag = clone_flag(n.type);
    if (flag == CLONE_NEWNS) mount_ns = true;
    if (!n.path.empty()) {
      if (::access(n.path.c_str(), F_OK) != 0)
        return fail_errno("config.json: the {} namespace at {}", n.type, n.path);
      if (flag == CLONE_NEWPID) {
        p.join_pid_namespace = n.path;
      } else {
        p.join_namespaces.push_back({flag, n.path});
      }
      continue;
    }
    // The cgroup namespace is entered once the init sits in its cgroup, the time namespace
    // once its offsets are written: both by the child itself.
    if (flag == CLONE_NEWCGROUP) {
      p.new_cgroup_namespace = true;
    } else if (flag == kNewTime) {
      p.new_time_namespace = true;
    } else {
      p.clone_flags |= static_cast<unsigned long>(flag);
    }
  }
  if (!mount_ns) return fail_invalid("config.json: linux.namespaces needs a mount namespace");
  // The user namespace is joined first: the others then belong to it.
  std::stable_partition(p.join_namespaces.begin(), p.join_namespaces.end(),
                        [](const JoinNamespace& j) { return j.nstype == CLONE_NEWUSER; });
  p.user_namespace = (p.clone_flags & CLONE_NEWUSER) != 0;
  p.uid_map = oci.uid_mappings;
  p.gid_map = oci.gid_mappings;
  for (const auto& [clock, offset] : oci.time_offsets)
    p.time_offsets += fmt::format("{} {} {}\n", clock, offset.first, offset.second);
  bool own_uts = std::any_of(oci.namespaces.begin(), oci.namespaces.end(),
                             [](const spec::Namespace& n) { return n.type == "uts"; });
  p.set_hostname = own_uts && oci.has_hostname;
  p.domainname = own_uts ? oci.domainname : "";
  return {};
}

uint64_t mask_of(const std::vector<int>& caps, int last_cap) {
  uint64_t m = 0;
  for (int c : caps)
    if (c <= last_cap) m |= 1ull << c;
  return m;
}

std::vector<ChildHook> child_hooks(const std::vector<spec::Hook>& hooks) {
  std::vector<ChildHook> out(hooks.size());
  for (size_t i = 0; i < hooks.size(); i++) {
    out[i].path = hooks[i].path;
    out[i].args = hooks[i].args.empty() ? std::vector<std::string>{hooks[i].path} : hooks[i].args;
    out[i].env = hooks[i].env;
    out[i].timeout_s = hooks[i].timeout.value_or(0);
  }
  // argv/envp point into the strings, once the vector no longer moves.
  for (auto& h : out) {
    for (auto& a : h.args) h.argv.push_back(a.data());
    h.argv.push_back(nullptr);
    for (auto& e : h.env) h.envp.push_back(e.data());
    h.envp.push_back(nullptr);
  }
  return out;
}

// org.nucleus.landlock*: asked for, so refused where the kernel cannot give it.
Result<> add_oci_landlock(const spec::Spec& s, const Host& host, Plan& p) {
  namespace ll = security::landlock;
  const spec::OciLandlock& want = s.oci->landlock;
  if (!want.any()) return {};
  if (host.landlock_abi == 0)
    return fail_invalid(
        "config.json: annotations.org.nucleus.landlock: this kernel has no Landlock");
  if ((want.scopes & ll::handled_scopes(host.landlock_abi)) != want.scopes)
    return fail_invalid(
        "config.json: annotations.org.nucleus.landlock.scope: needs Landlock ABI 6 (this kernel "
        "has {})",
        host.landlock_abi);
  std::vector<ll::PathRule> rules;
  if (want.defaults) rules = oci_landlock_defaults(s);
  rules.insert(rules.end(), want.rules.begin(), want.rules.end());
  p.landlock = ll::make_ruleset(host.landlock_abi, std::move(rules));
  if (!want.filesystem) p.landlock.handled = 0;  // scopes alone: every file access as before
  p.landlock.scoped = want.scopes;
  return {};
}

}  // namespace

Result<> add_oci_process(const spec::Spec& s, const Host& host, Plan& p) {
  const spec::Oci& oci = *s.oci;
  spec::Spec plain = s;
  plain.security = {};
  plain.security.seccomp = false;
  plain.security.landlock = false;
  plain.process.cap_keep.clear();
  TRY(add_process(plain, host, p));  // argv/envp, PATH candidates, cwd, identity, rlimits
  p.stdin_null = false;              // the engine's descriptors, as they are
  p.cap_sets = true;
  p.cap_bounding = mask_of(oci.capabilities.bounding, host.last_cap);
  p.cap_effective = mask_of(oci.capabilities.effective, host.last_cap);
  p.cap_permitted = mask_of(oci.capabilities.permitted, host.last_cap);
  p.cap_inheritable = mask_of(oci.capabilities.inheritable, host.last_cap);
  // The kernel raises an ambient capability only if it is permitted and inheritable; one that is
  // not is left out, as crun does (`runc spec` and `crun spec` list ambient capabilities with
  // no inheritable ones).
  p.cap_ambient =
      mask_of(oci.capabilities.ambient, host.last_cap) & p.cap_permitted & p.cap_inheritable;
  p.set_groups = true;
  p.groups = oci.additional_gids;
  p.umask = static_cast<int>(oci.umask.value_or(022));
  if (oci.personality) p.personality = static_cast<long>(*oci.personality);
  p.no_new_privs = s.process.no_new_privileges;
  p.set_oom_score = oci.oom_score_adj.has_value();
  p.oom_score_adj = oci.oom_score_adj.value_or(0);
  if (oci.seccomp) {
    if (!host.seccomp)
      return fail_invalid("config.json: linux.seccomp: this kernel has no seccomp");
    auto profile = TRY(security::seccomp::from_oci(*oci.seccomp));
    p.seccomp = security::seccomp::compile(profile);
    p.seccomp_flags = security::seccomp::oci_filter_flags(*oci.seccomp);
    p.seccomp_listener = !oci.seccomp->listener_path.empty();
  }
  return add_oci_landlock(s, host, p);
}

Result<std::unique_ptr<Plan>> build_oci(const spec::Spec& s, const Host& host, const OciHost& h) {
  auto p = std::make_unique<Plan>();
  p->id = s.id;
  p->hostname = s.hostname;
  p->host_uid = host.uid;
  p->host_gid = host.gid;
  TRY(add_namespaces(s, *p));
  TRY(add_oci_root_ops(s, h, *p));
  TRY(add_oci_process(s, host, *p));
  p->die_with_parent = false;  // the engine's shim or conmon outlives `create`
  p->create_container_hooks = child_hooks(s.oci->hooks.create_container);
  p->start_container_hooks = child_hooks(s.oci->hooks.start_container);
  p->hooks_before_pivot = !s.oci->hooks.prestart.empty() || !s.oci->hooks.create_runtime.empty() ||
                          !p->create_container_hooks.empty();
  return p;
}

}  // namespace nucleus::plan
