// The command line of `nucleus run`, shared with `nucleus generate systemd`, which checks the
// same options and writes them into a unit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "container/detach.h"
#include "spec/run_flags.h"
#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::cli {

struct Lifecycle {
  bool detach = false, auto_remove = false;
  std::string restart = "no";
  std::vector<std::string> log_opts;
};

struct RunCommand {
  spec::RunFlags flags;
  Lifecycle life;
  bool sd_notify = false;
};

// An exit code when parsing ends the command (--help, a bad option).
std::optional<int> parse_run(int argc, char** argv, RunCommand& c);
// Reads what the options name (env files, policy files), checks the lifecycle options and makes
// the Spec; detach gets the -d options.
Result<spec::Spec> prepare_run(RunCommand& c, container::DetachOptions& detach);

}  // namespace nucleus::cli
