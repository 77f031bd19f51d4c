// nucleus run [OPTIONS] [--] COMMAND [ARG...]
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "cli/verbs.h"
#include "container/run.h"
#include "spec/run_flags.h"
#include "util/fs.h"
#include "util/log.h"

namespace nucleus::cli {
namespace {

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
  app.add_flag("--debug", debug, "Print debug messages");
}

std::string new_id() {
  unsigned char raw[32];
  if (::getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) std::abort();
  std::string id;
  for (unsigned char c : raw) id += fmt::format("{:02x}", c);
  return id;
}

spec::Caller caller() {
  spec::Caller c;
  c.uid = ::geteuid();
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  c.ncpu = n > 0 ? static_cast<unsigned>(n) : 1;
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) c.nofile_hard = nofile.rlim_max;
  rlimit nproc{};
  if (::getrlimit(RLIMIT_NPROC, &nproc) == 0) c.nproc_hard = nproc.rlim_max;
  c.id = new_id();
  c.getenv = [](const std::string& k) -> std::optional<std::string> {
    const char* v = std::getenv(k.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  return c;
}

int report(const Error& e) {
  log::error("{}", e.what());
  return e.exit_code;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"Run a command in a new sandbox", "nucleus run"};
  spec::RunFlags f;
  bool debug = false;
  add_flags(app, f, debug);
  app.prefix_command();  // everything from the first non-option on is the command
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    log::error("{}", e.what());
    return 125;
  }
  if (debug) log::set_level(log::Level::kDebug);
  f.command = app.remaining();
  if (!f.command.empty() && f.command.front() == "--") {
    f.command.erase(f.command.begin());
  } else if (!f.command.empty() && f.command.front().size() > 1 && f.command.front()[0] == '-') {
    log::error("unknown flag '{}' (see nucleus run --help)", f.command.front());
    return 125;
  }
  std::vector<std::string> files = std::move(f.env_files);
  f.env_files.clear();
  for (const auto& path : files) {
    auto content = fs::read_file(path);
    if (!content) return report(content.error().wrap("--env-file"));
    f.env_files.push_back(std::move(*content));
  }
  auto s = spec::from_run_flags(f, caller());
  if (!s) return report(s.error());
  auto code = container::run(*s);
  if (!code) return report(code.error());
  return *code;
}

}  // namespace nucleus::cli
