// `nucleus run` health and readiness options (container/health.h runs the checks).
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/run_command.h"
#include "util/parse.h"

namespace nucleus::cli {
namespace {

constexpr uint64_t kMinCheckMs = 100;

Result<uint64_t> duration(const std::string& value, const char* option, uint64_t min_ms) {
  auto ms =
      TRY(parse::duration_ms(value).map_error([&](const Error& e) { return e.wrap(option); }));
  if (ms < min_ms) return fail_invalid("{} {}: want at least {} ms", option, value, min_ms);
  return ms;
}

// A check's command must say something: an empty one would pass (or fail) for no reason.
std::string not_blank(const std::string& v) {
  return v.find_first_not_of(" \t\n") == std::string::npos ? "want a command, not a blank" : "";
}

}  // namespace

void add_check_flags(CLI::App& app, CheckFlags& c) {
  app.add_option("--health-cmd", c.health_cmd,
                 "A health check: `/bin/sh -c CMD` inside, healthy when it exits 0")
      ->check(not_blank);
  app.add_option("--health-interval", c.health_interval,
                 "Time between health checks (default 30s; 500ms, 1m30s, or seconds)");
  app.add_option("--health-timeout", c.health_timeout,
                 "A check running longer is killed and fails (default 30s)");
  app.add_option("--health-retries", c.health_retries,
                 "Consecutive failures that make it unhealthy: it is stopped, and its restart "
                 "policy decides (default 3)");
  app.add_option("--health-start-period", c.health_start_period,
                 "Failures this soon after the start do not count (default 0s)");
  app.add_option("--readiness-exec", c.readiness_exec,
                 "Ready once `/bin/sh -c CMD` inside exits 0 (tried every 100 ms); --sd-notify "
                 "then says READY=1")
      ->check(not_blank);
  app.add_option("--readiness-tcp", c.readiness_tcp,
                 "Ready once 127.0.0.1:PORT inside accepts a connection");
  app.add_flag("--readiness-sd-notify", c.readiness_sd_notify,
               "Ready once the command says READY=1 to its NOTIFY_SOCKET (its STATUS= and "
               "WATCHDOG=1 go on to systemd)");
}

Result<container::Checks> parse_checks(const CheckFlags& f, spec::Spec& s) {
  container::Checks c;
  auto& h = c.health;
  h.cmd = f.health_cmd;
  bool health_opts = !f.health_interval.empty() || !f.health_timeout.empty() ||
                     !f.health_retries.empty() || !f.health_start_period.empty();
  if (h.cmd.empty() && health_opts)
    return fail_invalid(
        "--health-interval, -timeout, -retries and -start-period go with --health-cmd");
  if (!f.health_interval.empty())
    h.interval_ms = TRY(duration(f.health_interval, "--health-interval", kMinCheckMs));
  if (!f.health_timeout.empty())
    h.timeout_ms = TRY(duration(f.health_timeout, "--health-timeout", kMinCheckMs));
  if (!f.health_start_period.empty())
    h.start_period_ms = TRY(duration(f.health_start_period, "--health-start-period", 0));
  if (!f.health_retries.empty())
    h.retries =
        static_cast<int>(TRY(parse::uint(f.health_retries, 1, 1000).map_error([](const Error& e) {
          return e.wrap("--health-retries");
        })));
  c.readiness.exec = f.readiness_exec;
  if (int(!f.readiness_exec.empty()) + int(!f.readiness_tcp.empty()) + int(f.readiness_sd_notify) >
      1)
    return fail_invalid(
        "--readiness-exec, --readiness-tcp and --readiness-sd-notify: one readiness check");
  c.readiness.sd_notify = f.readiness_sd_notify;
  if (c.readiness.sd_notify) {
    // Outside a network namespace of its own, the scope guards the host's abstract sockets.
    if (s.network.mode == spec::NetworkMode::kHost)
      return fail_invalid("--readiness-sd-notify: not with --network host");
    s.process.env.push_back("NOTIFY_SOCKET=" + container::notify_socket_name(s.id));
    s.security.abstract_unix = true;
  }
  if (!f.readiness_tcp.empty()) {
    c.readiness.tcp_port =
        static_cast<int>(TRY(parse::uint(f.readiness_tcp, 1, 65535).map_error([](const Error& e) {
          return e.wrap("--readiness-tcp");
        })));
  }
  if ((c.readiness.tcp_port != 0 || c.readiness.sd_notify) && ::geteuid() != 0)
    return fail_invalid(
        "--readiness-tcp and --readiness-sd-notify enter the container's network namespace, "
        "which needs root (--readiness-exec does not)");
  if (c.any() && s.runtime == spec::Runtime::kGvisor)
    return fail_invalid("--health-cmd and --readiness-*: not with --runtime gvisor (yet)");
  return c;
}

}  // namespace nucleus::cli
