// The command line of `nucleus run`, shared with `nucleus generate systemd`, which checks the
// same options and writes them into a unit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "container/detach.h"
#include "container/health.h"
#include "spec/run_flags.h"
#include "spec/spec.h"
#include "util/result.h"

namespace CLI {
class App;
}

namespace nucleus::cli {

struct Lifecycle {
  bool detach = false, auto_remove = false;
  std::string restart = "no";
  std::vector<std::string> log_opts;
  std::string log_driver;  // empty: k8s-file
};

// Health and readiness options as typed (cli/run_checks.cc).
struct CheckFlags {
  std::string health_cmd, health_interval, health_timeout, health_retries, health_start_period;
  std::string readiness_exec, readiness_tcp;
  bool readiness_sd_notify = false;
};

struct RunCommand {
  spec::RunFlags flags;
  Lifecycle life;
  CheckFlags checks;
  bool sd_notify = false;
};

void add_check_flags(CLI::App& app, CheckFlags& c);
// Checked against the Spec they go with (not under gVisor, yet), which gets what they need
// (--readiness-sd-notify: the command's NOTIFY_SOCKET).
Result<container::Checks> parse_checks(const CheckFlags& f, spec::Spec& s);

// An exit code when parsing ends the command (--help, a bad option).
std::optional<int> parse_run(int argc, char** argv, RunCommand& c);
// Reads what the options name (env files, policy files), checks the lifecycle options and makes
// the Spec; detach gets the -d options.
Result<spec::Spec> prepare_run(RunCommand& c, container::DetachOptions& detach);

}  // namespace nucleus::cli
