// nucleus run [OPTIONS] [--] COMMAND [ARG...]
#include "cli/run_command.h"

#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <functional>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/detach.h"
#include "container/logfile.h"
#include "container/run.h"
#include "spec/run_flags.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/sd_notify.h"

namespace nucleus::cli {
namespace {

void add_lifecycle_flags(CLI::App& app, Lifecycle& l) {
  app.add_flag("-d,--detach", l.detach, "Run in the background under a monitor; print the ID");
  app.add_flag("--rm", l.auto_remove, "Remove the container when it exits (-d)");
  app.add_option("--restart", l.restart, "no | on-failure[:N] | always (-d)");
  app.add_option("--log-opt", l.log_opts, "max-size=SIZE (default 10m) or max-file=N (default 2)");
  app.add_option("--log-driver", l.log_driver,
                 "k8s-file (default: the CRI format), json-file (docker's) or journald (the "
                 "journal too) (-d)");
}

Result<container::DetachOptions> detach_options(const Lifecycle& l) {
  container::DetachOptions o;
  o.auto_remove = l.auto_remove;
  o.log_max_size = container::kDefaultLogMaxSize;
  o.log_max_files = container::kDefaultLogMaxFiles;
  o.restart = TRY_CTX(container::parse_restart(l.restart), "--restart");
  if (!l.log_driver.empty()) o.log_driver = TRY(container::parse_log_driver(l.log_driver));
  if (o.auto_remove && o.restart.mode != "no")
    return fail_invalid("--rm and --restart {} contradict each other", l.restart);
  for (const auto& opt : l.log_opts) {
    auto eq = opt.find('=');
    std::string key = opt.substr(0, eq), value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    if (key == "max-size") {
      auto v = parse::size(value);
      if (!v || *v < 4096) return fail_invalid("--log-opt {}: want a size of at least 4k", opt);
      o.log_max_size = *v;
    } else if (key == "max-file") {
      auto v = parse::uint(value, 1, 100);
      if (!v) return fail_invalid("--log-opt {}: want a count from 1 to 100", opt);
      o.log_max_files = static_cast<int>(*v);
    } else {
      return fail_invalid("--log-opt {}: unknown option (max-size, max-file)", opt);
    }
  }
  return o;
}

void add_flags(CLI::App& app, spec::RunFlags& f, bool& debug) {
  app.add_option("--name", f.name, "Name of the sandbox (unique while it runs)");
  app.add_option("--hostname", f.hostname,
                 "Hostname inside (default: the ID's first 12 characters)");
  app.add_option("-w,--workdir", f.workdir, "Working directory inside (default / or /context)");
  app.add_option("-u,--user", f.user, "UID[:GID] to run as (numeric)");
  app.add_option("-e,--env", f.env, "Set K=V (or pass K from this environment)");
  app.add_option("--env-file", f.env_files, "Read K=V lines from a file");
  app.add_flag("-i,--interactive", f.interactive, "Pass stdin to the command");
  app.add_flag("-t,--tty", f.tty, "Allocate a pseudo-terminal");
  app.add_flag("--rootless", f.rootless, "Run in a user namespace (the caller is root inside)");
  app.add_option("--rootfs", f.rootfs,
                 "Root filesystem directory (default: the host-bound agent root)");
  app.add_flag("--rootfs-rw", f.rootfs_rw, "Make --rootfs writable");
  app.add_option("--context", f.context, "Directory to provide at /context");
  app.add_option("--context-mode", f.context_mode,
                 "copy (default; private copy) or bind (read-only)");
  app.add_option("-v,--volume", f.volumes, "Bind mount SRC:DST[:ro|rw]");
  app.add_option("--tmpfs", f.tmpfs, "Mount a tmpfs DST[:SIZE]");
  app.add_option("--secret", f.secrets,
                 "SRC[:NAME]: the host file SRC at /run/secrets/NAME, on a read-only tmpfs, mode "
                 "0400, owned by the user (repeatable)");
  app.add_option("--cap-add", f.cap_add, "Keep a capability (all are dropped by default)");
  app.add_option("-m,--memory", f.memory, "Memory limit (e.g. 512m)");
  app.add_option("--memory-swap", f.memory_swap,
                 "Memory plus swap limit; -1: unlimited swap (default: no swap)");
  app.add_option("--cpus", f.cpus, "CPU limit in CPUs (e.g. 1.5)");
  app.add_option("--cpu-weight", f.cpu_weight, "Relative CPU weight 1..10000 (default 100)");
  app.add_option("--pids", f.pids, "Process limit (default 2048)");
  app.add_option("--io-limit", f.io_limits, "DEVICE:rbps=N,wbps=N,riops=N,wiops=N");
  app.add_option("--timeout", f.timeout, "Kill the sandbox after SECONDS");
  app.add_flag("--allow-degraded-security", f.allow_degraded_security,
               "Run even where the kernel lacks Landlock or seccomp");
  app.add_flag("--no-landlock", f.no_landlock,
               "Weaken: no Landlock domain (CRIU cannot checkpoint one; see docs/checkpoint.md)");
  app.add_option("--seccomp-profile", f.seccomp_profile,
                 "A seccomp profile file in Docker's (and OCI) format instead of nucleus's "
                 "allowlist");
  app.add_option("--seccomp-profile-sha256", f.seccomp_profile_sha256,
                 "The profile file's SHA-256 (hex): checked before it is parsed");
  app.add_option("--landlock-policy", f.landlock_policy,
                 "Landlock rules in TOML (paths, TCP ports, scopes) instead of nucleus's own");
  app.add_option("--landlock-policy-sha256", f.landlock_policy_sha256,
                 "The policy file's SHA-256 (hex): checked before it is parsed");
  app.add_option("--seccomp-mode", f.seccomp_mode,
                 "enforce (default) or trace: every system call allowed, and counted into "
                 "--seccomp-log (for nucleus seccomp generate)");
  app.add_option("--seccomp-log", f.seccomp_log, "Where --seccomp-mode trace writes the calls");
  app.add_option("--caps-policy", f.caps_policy,
                 "Capabilities to keep, per set, in TOML (instead of --cap-add)");
  app.add_option("--caps-policy-sha256", f.caps_policy_sha256,
                 "The policy file's SHA-256 (hex): checked before it is parsed");
  app.add_flag("--init", f.init,
               "PID 1 is nucleus's init: reaps orphans, passes signals on, exits with the "
               "command's status");
  app.add_option("--service-mode", f.service_mode,
                 "default or production: fail closed (every layer, --memory, --cpus, a read-only "
                 "--rootfs, root inside remapped, mounts audited)");
  app.add_flag("--verify-rootfs-attestation", f.verify_rootfs_attestation,
               "Refuse a --rootfs that differs from its .nucleus-rootfs-sha256 (nucleus rootfs "
               "attest)");
  app.add_option("--runtime", f.runtime, "native (default) or gvisor (runsc: a second kernel)");
  app.add_option("--gvisor-platform", f.gvisor_platform,
                 "systrap, ptrace or kvm (default: the best that works here, probed once)");
  app.add_option("--trust-level", f.trust_level,
                 "trusted (default) or untrusted (requires --runtime gvisor)");
  app.add_option("--network", f.network,
                 "none (default: loopback only), bridge, a network's name, or host");
  app.add_flag("--allow-host-network", f.allow_host_network, "Permit --network host");
  app.add_option("--dns", f.dns, "A nameserver for /etc/resolv.conf (repeatable)");
  app.add_option("--add-host", f.add_hosts, "NAME:IP, an /etc/hosts entry (repeatable)");
  app.add_option("-p,--publish", f.publish,
                 "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]: a bridge container's port on the "
                 "host (repeatable)");
  app.add_option("--egress-allow", f.egress_allow,
                 "CIDR[:PORT[,PORT...]]: the only destinations a bridge container may reach "
                 "(repeatable; everything else is rejected)");
  app.add_option("--egress-allow-domain", f.egress_allow_domains,
                 "NAME or *.NAME: a name a bridge container may resolve and reach, at the "
                 "addresses its DNS answers give, for their TTL (repeatable)");
  app.add_flag("--egress-deny-all", f.egress_deny_all,
               "Reject every outgoing connection (but those --egress-allow lists)");
  app.add_flag("--debug", debug, "Print debug messages");
}

}  // namespace

// Parses the command line; the parser (and all it allocated) is gone before anything starts,
// so a forked monitor does not carry it for the container's lifetime.
std::optional<int> parse_run(int argc, char** argv, RunCommand& c) {
  spec::RunFlags& f = c.flags;
  CLI::App app{"Run a command in a new sandbox", "nucleus run"};
  bool debug = false;
  add_flags(app, f, debug);
  add_lifecycle_flags(app, c.life);
  add_check_flags(app, c.checks);
  app.add_flag("--sd-notify", c.sd_notify,
               "Tell systemd (NOTIFY_SOCKET) READY=1 once the command runs, or once its readiness "
               "check passes (foreground only)");
  app.prefix_command();  // everything from the first non-option on is the command
  if (auto code = parse(app, argc, argv)) return *code;
  if (debug) log::set_level(log::Level::kDebug);
  f.command = app.remaining();
  if (!f.command.empty() && f.command.front() == "--") {
    f.command.erase(f.command.begin());
  } else if (!f.command.empty() && f.command.front().size() > 1 && f.command.front()[0] == '-') {
    log::error("unknown flag '{}' (see nucleus run --help)", f.command.front());
    return 125;
  }
  return std::nullopt;
}

Result<spec::Spec> prepare_run(RunCommand& c, container::DetachOptions& detach) {
  spec::RunFlags& f = c.flags;
  const Lifecycle& life = c.life;
  std::vector<std::string> files = std::move(f.env_files);
  f.env_files.clear();
  for (const auto& path : files) f.env_files.push_back(TRY_CTX(fs::read_file(path), "--env-file"));
  for (auto [file, sha, option] :
       {std::tuple{&f.seccomp_profile, &f.seccomp_profile_sha256, "--seccomp-profile"},
        std::tuple{&f.landlock_policy, &f.landlock_policy_sha256, "--landlock-policy"},
        std::tuple{&f.caps_policy, &f.caps_policy_sha256, "--caps-policy"}})
    TRY(read_policy_file(*file, *sha, option));
  // Files named on the command line may be relative to where nucleus was started.
  if (!f.seccomp_log.empty()) f.seccomp_log = TRY(fs::absolute(f.seccomp_log));
  for (auto& secret : f.secrets) secret = TRY(fs::absolute(secret));
  detach = TRY(detach_options(life));
  if (!life.detach && (life.auto_remove || life.restart != "no" || !life.log_opts.empty() ||
                       !life.log_driver.empty()))
    return fail_invalid(
        "--rm, --restart, --log-opt and --log-driver go with -d (a foreground run is always "
        "removed when it ends, its output is nucleus's)");
  if (life.detach && c.sd_notify)
    return fail_invalid(
        "--sd-notify goes with a foreground run (systemd then supervises nucleus itself)");
  auto s = TRY(spec::from_run_flags(f, caller()));
  if (c.sd_notify && s.runtime == spec::Runtime::kGvisor)
    return fail_invalid("--sd-notify: not with --runtime gvisor (yet)");
  detach.checks = TRY(parse_checks(c.checks, s));
  return s;
}

int run(int argc, char** argv) {
  RunCommand c;
  if (auto code = parse_run(argc, argv, c)) return *code;
  container::DetachOptions detach;
  auto s = prepare_run(c, detach);
  if (!s) return report(s.error());
  if (c.life.detach) {
    if (auto started = container::run_detached(std::move(*s), detach); !started)
      return report(started.error());
    return 0;
  }
  container::RunOptions o;
  o.checks = detach.checks;
  // Ready when the command runs, or when its readiness check passes.
  if (c.sd_notify)
    (o.checks.readiness.any() ? o.ready : o.started) = [] {
      if (auto sent = sd_notify(fmt::format("READY=1\nMAINPID={}", ::getpid())); !sent)
        log::warn("--sd-notify: {}", sent.error().what());
    };
  auto code = container::run(*s, o);
  if (!code) return report(code.error());
  return *code;
}

}  // namespace nucleus::cli
