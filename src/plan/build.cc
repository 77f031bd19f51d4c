#include "plan/build.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "security/seccomp_oci.h"
#include "security/seccomp_profile.h"
#include "spec/landlock_policy.h"
#include "spec/seccomp_json.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::plan {
namespace {

bool pretend_missing(std::string_view feature) {
  // Test hook: NUCLEUS_TEST_PRETEND_MISSING=landlock,seccomp makes the probe report them absent.
  const char* v = std::getenv("NUCLEUS_TEST_PRETEND_MISSING");
  if (v == nullptr) return false;
  for (auto f : parse::split(v, ',')) {
    if (f == feature) return true;
  }
  return false;
}

bool seccomp_filter_available() {
  uint32_t action = security::seccomp::kKillProcess;
  return ::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int read_last_cap() {
  auto s = fs::read_file("/proc/sys/kernel/cap_last_cap");
  if (!s) return 40;
  while (!s->empty() && s->back() == '\n') s->pop_back();
  auto v = parse::uint(*s, 0, 63);
  return v ? static_cast<int>(*v) : 40;
}

std::vector<std::string> exec_candidates(const std::vector<std::string>& args,
                                         const std::vector<std::string>& env) {
  const std::string& cmd = args[0];
  if (cmd.find('/') != std::string::npos) return {cmd};
  std::string_view path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path = std::string_view(e).substr(5);
  }
  std::vector<std::string> out;
  for (auto dir : parse::split(path, ':')) {
    if (dir.empty()) dir = ".";
    out.push_back(fmt::format("{}/{}", dir, cmd));
  }
  return out;
}

// --landlock-policy: asked for, so nothing of it is dropped: a kernel below what it needs
// refuses the start (no --allow-degraded-security here).
Result<> add_landlock_policy(const spec::Spec& s, const Host& host, Plan& p) {
  namespace ll = security::landlock;
  const char* w = "--landlock-policy";
  auto pol = TRY(spec::parse_landlock_policy(s.security.landlock_policy, w));
  int abi = host.landlock_abi;
  auto need = [&](int min, const char* what) -> Result<> {
    if (abi >= min) return {};
    return fail_invalid("{}: {} needs Landlock ABI {} (this kernel has {})", w, what, min, abi);
  };
  TRY(need(pol.min_abi, "the policy (abi)"));
  if (pol.tcp) TRY(need(4, "[[ports]] / tcp"));
  if (pol.scopes) TRY(need(6, "scopes"));
  std::vector<ll::PathRule> rules;
  if (pol.defaults) rules = landlock_rules(s);
  rules.insert(rules.end(), pol.paths.begin(), pol.paths.end());
  p.landlock = ll::make_ruleset(abi, std::move(rules));
  if (!pol.defaults) p.landlock.scoped = 0;  // only the policy's scopes
  p.landlock.scoped |= pol.scopes;
  if (pol.tcp) {
    p.landlock.handled_net = ll::kNetBindTcp | ll::kNetConnectTcp;
    p.landlock.ports = pol.ports;
  }
  return {};
}

// A bit per capability; one this kernel does not know is refused (a policy asked for it).
Result<uint64_t> kernel_mask(const std::vector<int>& caps, int last_cap) {
  uint64_t m = 0;
  for (int c : caps) {
    if (c > last_cap) return fail_invalid("capability {} is unknown to this kernel", c);
    m |= 1ull << c;
  }
  return m;
}

Result<> add_policies(const spec::Spec& s, const Host& host, Plan& p) {
  if (s.security.landlock && !s.security.landlock_policy.empty()) {
    TRY(add_landlock_policy(s, host, p));
  } else if (s.security.landlock) {
    if (host.landlock_abi > 0) {
      p.landlock = security::landlock::make_ruleset(host.landlock_abi, landlock_rules(s));
    } else if (!s.security.allow_degraded) {
      return fail_invalid(
          "Landlock is not available on this kernel; refusing to run without it "
          "(--allow-degraded-security runs anyway)");
    }
  }
  if (s.security.abstract_unix) p.landlock.scoped &= ~security::landlock::kScopeAbstractUnix;
  if (s.security.seccomp && !s.security.seccomp_trace_log.empty()) {
    if (!host.seccomp) return fail_invalid("--seccomp-mode trace: this kernel has no seccomp");
    p.seccomp = security::seccomp::compile(security::seccomp::trace_profile());
    p.seccomp_flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
    p.seccomp_trace = true;
  } else if (s.security.seccomp) {
    if (host.seccomp && !s.security.seccomp_profile.empty()) {
      auto given = TRY(spec::parse_seccomp(s.security.seccomp_profile, "--seccomp-profile"));
      p.seccomp = security::seccomp::compile(TRY(security::seccomp::from_oci(given)));
      p.seccomp_flags = security::seccomp::oci_filter_flags(given);
    } else if (host.seccomp) {
      p.seccomp = security::seccomp::compile(security::seccomp::default_profile());
    } else if (!s.security.allow_degraded) {
      return fail_invalid(
          "seccomp filtering is not available on this kernel; refusing to run without it "
          "(--allow-degraded-security runs anyway)");
    }
  }
  p.last_cap = host.last_cap;
  const spec::Process& proc = s.process;
  p.cap_keep = TRY(kernel_mask(proc.cap_keep, host.last_cap));
  if (proc.cap_sets) {
    p.cap_sets = true;
    p.cap_bounding = TRY(kernel_mask(proc.caps.bounding, host.last_cap));
    p.cap_effective = TRY(kernel_mask(proc.caps.effective, host.last_cap));
    p.cap_permitted = TRY(kernel_mask(proc.caps.permitted, host.last_cap));
    p.cap_inheritable = TRY(kernel_mask(proc.caps.inheritable, host.last_cap));
    p.cap_ambient = TRY(kernel_mask(proc.caps.ambient, host.last_cap));
  }
  p.no_new_privs = s.process.no_new_privileges;
  return {};
}

}  // namespace

Host probe_host() {
  Host h;
  h.landlock_abi = pretend_missing("landlock") ? 0 : security::landlock::probe_abi();
  h.seccomp = !pretend_missing("seccomp") && seccomp_filter_available();
  h.last_cap = read_last_cap();
  h.uid = ::geteuid();
  h.gid = ::getegid();
  return h;
}

Result<std::unique_ptr<Plan>> build(const spec::Spec& s, const Host& host) {
  auto p = std::make_unique<Plan>();
  p->id = s.id;
  p->hostname = s.hostname;
  p->audit_loginuid = std::to_string(::getuid());
  // The cgroup namespace is entered by the child once it sits in its cgroup (see child.cc).
  p->clone_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (s.network.mode != spec::NetworkMode::kHost) p->clone_flags |= CLONE_NEWNET;
  if (s.user_namespace) p->clone_flags |= CLONE_NEWUSER;
  p->user_namespace = s.user_namespace;
  p->host_uid = host.uid;
  p->host_gid = host.gid;
  p->uid_map = p->gid_map = s.id_map;  // empty: the caller as root (rootless)
  p->audit_mounts = s.production;
  p->init = s.init;

  TRY(add_root_ops(s, *p));
  TRY(add_process(s, host, *p));
  return p;
}

Result<> add_process(const spec::Spec& s, const Host& host, Plan& plan) {
  Plan* p = &plan;
  p->args = s.process.args;
  p->env = s.process.env;
  for (auto& a : p->args) p->argv.push_back(a.data());
  p->argv.push_back(nullptr);
  for (auto& e : p->env) p->envp.push_back(e.data());
  p->envp.push_back(nullptr);
  p->exec_candidates = exec_candidates(p->args, p->env);
  p->cwd = s.process.cwd;
  p->uid = s.process.user.uid;
  p->gid = s.process.user.gid;
  p->terminal = s.process.terminal;
  p->stdin_null = !s.process.open_stdin;
  p->rlimits = s.rlimits;
  return add_policies(s, host, *p);
}

}  // namespace nucleus::plan
