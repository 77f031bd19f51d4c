// The OCI runtime's command line, as runc has it: create, start, state, delete, list, and the
// OCI forms of run, exec, kill, ps, pause/resume, update and events (verbs.h: oci_*).
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/oci.h"
#include "container/oci_documents.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::cli {
namespace {

using container::oci::CreateOptions;

// As given where the working directory is gone (the error then names the path).
std::string absolute(const std::string& path) {
  return fs::absolute(path).value_or(path);
}

void add_create_flags(CLI::App& app, CreateOptions& o) {
  app.add_option("-b,--bundle", o.bundle, "The bundle directory (default: the current one)");
  app.add_option("--pid-file", o.pid_file, "Write the init's pid there");
  app.add_option("--console-socket", o.console_socket, "Send the pty master to this socket");
  app.add_flag("--no-pivot", o.no_pivot, "Accepted (pivot_root is used wherever it works)");
  bool ignored = false;
  app.add_flag("--no-new-keyring", ignored, "Accepted (no session keyring is made)");
  app.add_option("--preserve-fds", o.preserve_fds, "Pass descriptors 3..3+N-1 on (and $LISTEN_FDS)")
      ->check(CLI::Range(0, 1024));
}

int report_or_zero(const Result<>& r) {
  return r ? 0 : report(r.error());
}

std::vector<gid_t> parse_split_gids(const std::string& list) {
  std::vector<gid_t> out;
  for (auto g : parse::split(list, ','))
    if (auto v = parse::uint(g, 0, UINT32_MAX - 1)) out.push_back(static_cast<gid_t>(*v));
  return out;
}

// runc update's single-value flags as a linux.resources document.
Result<std::string> resources_from_flags(const std::map<std::string, std::string>& v) {
  nlohmann::json r = nlohmann::json::object();
  auto size = [&](const char* flag) -> Result<std::optional<int64_t>> {
    const std::string& s = v.at(flag);
    if (s.empty()) return std::optional<int64_t>();
    if (s == "-1") return std::optional<int64_t>(-1);
    return std::optional<int64_t>(static_cast<int64_t>(TRY(parse::size(s))));
  };
  auto number = [&](const char* flag) -> Result<std::optional<int64_t>> {
    const std::string& s = v.at(flag);
    if (s.empty()) return std::optional<int64_t>();
    if (s == "-1") return std::optional<int64_t>(-1);
    return std::optional<int64_t>(static_cast<int64_t>(TRY(parse::uint(s, 0, INT64_MAX))));
  };
  auto put = [&](const char* group, const char* key, std::optional<int64_t> x) {
    if (x) r[group][key] = *x;
  };
  put("memory", "limit", TRY(size("memory")));
  put("memory", "swap", TRY(size("memory-swap")));
  put("memory", "reservation", TRY(size("memory-reservation")));
  put("memory", "kernel", TRY(size("kernel-memory")));
  put("memory", "kernelTCP", TRY(size("kernel-memory-tcp")));
  put("cpu", "shares", TRY(number("cpu-shares")));
  put("cpu", "quota", TRY(number("cpu-quota")));
  put("cpu", "period", TRY(number("cpu-period")));
  put("cpu", "realtimePeriod", TRY(number("cpu-rt-period")));
  put("cpu", "realtimeRuntime", TRY(number("cpu-rt-runtime")));
  put("pids", "limit", TRY(number("pids-limit")));
  put("blockIO", "weight", TRY(number("blkio-weight")));
  if (!v.at("cpuset-cpus").empty()) r["cpu"]["cpus"] = v.at("cpuset-cpus");
  if (!v.at("cpuset-mems").empty()) r["cpu"]["mems"] = v.at("cpuset-mems");
  return r.dump();
}

int with_store(const std::function<Result<>(container::Store&)>& op) {
  auto st = store();
  auto r = op(st);
  return r ? 0 : report(r.error());
}

}  // namespace

int oci_create(int argc, char** argv) {
  CLI::App app{"Create a container from an OCI bundle; it waits for start", "create"};
  CreateOptions o;
  std::string id;
  add_create_flags(app, o);
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  o.bundle = absolute(o.bundle.empty() ? "." : o.bundle);
  return with_store([&](container::Store& st) { return container::oci::create(st, id, o); });
}

int oci_run(int argc, char** argv) {
  CLI::App app{"Create and start a container from an OCI bundle", "run"};
  CreateOptions o;
  std::string id;
  bool detach = false, keep = false;
  add_create_flags(app, o);
  app.add_flag("-d,--detach", detach, "Return once it started");
  app.add_flag("--keep", keep, "Accepted");
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  o.bundle = absolute(o.bundle.empty() ? "." : o.bundle);
  auto st = store();
  auto r = container::oci::run(st, id, o, detach);
  return r ? *r : report(r.error());
}

int oci_start(int argc, char** argv) {
  CLI::App app{"Start a created container", "start"};
  std::string id;
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  return with_store([&](container::Store& st) { return container::oci::start(st, id); });
}

int oci_state(int argc, char** argv) {
  CLI::App app{"Print a container's OCI state", "state"};
  std::string id;
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  auto r = container::oci::state(store(), id);
  if (!r) return report(r.error());
  std::fputs(r->c_str(), stdout);
  return 0;
}

int oci_delete(int argc, char** argv) {
  CLI::App app{"Delete a container (its cgroup, state; the poststop hooks)", "delete"};
  std::string id;
  bool force = false;
  app.add_flag("-f,--force", force, "Kill it first if it runs");
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  return with_store([&](container::Store& st) { return container::oci::remove(st, id, force); });
}

int oci_list(int argc, char** argv) {
  CLI::App app{"List the OCI containers", "list"};
  std::string format = "table";
  bool quiet = false;
  app.add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  app.add_flag("-q,--quiet", quiet, "IDs only");
  if (auto code = parse(app, argc, argv)) return *code;
  auto r = container::oci::list(store(), format == "json", quiet);
  if (!r) return report(r.error());
  std::fputs(r->c_str(), stdout);
  return 0;
}

int oci_kill(int argc, char** argv) {
  CLI::App app{"Signal a container's init (--all: every process)", "kill"};
  std::string id, sig = "SIGTERM";
  bool all = false;
  app.add_flag("-a,--all", all, "Every process of the container");
  app.add_option("ID", id, "The container's ID")->required();
  app.add_option("SIGNAL", sig, "Name or number (default SIGTERM)");
  if (auto code = parse(app, argc, argv)) return *code;
  auto n = signal_number(sig);
  if (!n) return report(n.error());
  return report_or_zero(container::oci::kill(store(), id, *n, all));
}

int oci_ps(int argc, char** argv) {
  CLI::App app{"List the processes of a container", "ps"};
  std::string id, format = "table";
  std::vector<std::string> ps_args;
  app.add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  app.add_option("ID", id, "The container's ID")->required();
  app.add_option("PS_ARGS", ps_args, "Accepted");
  if (auto code = parse(app, argc, argv)) return *code;
  auto pids = container::oci::pids(store(), id);
  if (!pids) return report(pids.error());
  if (format == "json") {
    std::printf("%s\n", nlohmann::json(*pids).dump().c_str());
    return 0;
  }
  std::printf("PID   CMD\n");
  for (pid_t p : *pids) {
    auto cmd = fs::read_file(fmt::format("/proc/{}/cmdline", p)).value_or("");
    for (char& c : cmd)
      if (c == '\0') c = ' ';
    std::printf("%-5d %s\n", p, cmd.c_str());
  }
  return 0;
}

int oci_pause(int argc, char** argv, bool paused) {
  CLI::App app{paused ? "Freeze every process of a container" : "Thaw a paused container",
               paused ? "pause" : "resume"};
  std::string id;
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  return with_store([&](container::Store& st) { return container::oci::pause(st, id, paused); });
}

int oci_update(int argc, char** argv) {
  CLI::App app{"Change the resources of a running container", "update"};
  std::string id, resources;
  std::map<std::string, std::string> values;
  app.add_option("-r,--resources", resources, "A linux.resources document (FILE, or - for stdin)");
  for (const char* f :
       {"memory", "memory-swap", "memory-reservation", "kernel-memory", "kernel-memory-tcp",
        "cpu-shares", "cpu-quota", "cpu-period", "cpuset-cpus", "cpuset-mems", "pids-limit",
        "blkio-weight", "cpu-rt-period", "cpu-rt-runtime"})
    app.add_option(std::string("--") + f, values[f], std::string("Set ") + f);
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  std::string doc;
  if (resources == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    doc = ss.str();
  } else if (!resources.empty()) {
    auto text = fs::read_file(resources);
    if (!text) return report(text.error());
    doc = *text;
  } else {
    auto r = resources_from_flags(values);
    if (!r) return report(r.error());
    doc = *r;
  }
  return report_or_zero(container::oci::update(store(), id, doc));
}

int oci_events(int argc, char** argv) {
  CLI::App app{"Print a container's statistics (as runc events --stats)", "events"};
  std::string id, interval;
  bool once = false;
  app.add_flag("--stats", once, "Once, then exit");
  app.add_option("--interval", interval, "Between statistics (default 5s)");
  app.add_option("ID", id, "The container's ID")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  unsigned every = 5;
  if (!interval.empty()) every = static_cast<unsigned>(std::max(1, std::atoi(interval.c_str())));
  for (;;) {
    auto r = container::oci::stats(store(), id);
    if (!r) return report(r.error());
    std::fputs(r->c_str(), stdout);
    std::fflush(stdout);
    if (once) return 0;
    ::sleep(every);
  }
}

int oci_exec(int argc, char** argv) {
  CLI::App app{"Run a process in a running container", "exec"};
  container::oci::ExecOptions o;
  std::string id, gids, label, apparmor;
  std::vector<std::string> command;
  app.add_option("-p,--process", o.process_file, "A process.json");
  app.add_option("--pid-file", o.pid_file, "Write the process's pid there");
  app.add_option("--console-socket", o.console_socket, "Send the pty master to this socket");
  app.add_flag("-t,--tty", o.tty, "A terminal");
  app.add_flag("-d,--detach", o.detach, "Return once it runs");
  app.add_option("--cwd", o.cwd, "Working directory");
  app.add_option("-e,--env", o.env, "KEY=VALUE");
  app.add_option("-u,--user", o.user, "UID[:GID]");
  app.add_option("-g,--additional-gids", gids, "Comma-separated group IDs");
  app.add_option("-c,--cap", o.caps, "A capability to add");
  app.add_flag("--no-new-privs", o.no_new_privs, "Set no_new_privs");
  app.add_option("--process-label", label, "Accepted (no SELinux)");
  app.add_option("--apparmor", apparmor, "Accepted (no AppArmor)");
  bool ignored = false;
  app.add_flag("--ignore-paused", ignored, "Accepted");
  app.add_option("--preserve-fds", o.preserve_fds, "Pass descriptors 3..3+N-1 on")
      ->check(CLI::Range(0, 1024));
  app.add_option("ID", id, "The container's ID")->required();
  app.add_option("COMMAND", o.args, "The command, when no --process is given");
  app.positionals_at_end();
  if (auto code = parse(app, argc, argv)) return *code;
  for (const auto& g : parse_split_gids(gids)) o.additional_gids.push_back(g);
  auto r = container::oci::exec(store(), id, o);
  return r ? *r : report(r.error());
}

}  // namespace nucleus::cli

namespace nucleus::cli {

int oci_features(int argc, char** argv) {
  CLI::App app{"Print the OCI runtime features document", "features"};
  if (auto code = parse(app, argc, argv)) return *code;
  std::fputs(container::oci::features().c_str(), stdout);
  return 0;
}

int oci_spec(int argc, char** argv) {
  CLI::App app{"Write a default config.json (with nucleus's seccomp allowlist)", "spec"};
  std::string bundle = ".";
  bool rootless = false;
  app.add_option("-b,--bundle", bundle, "Where to write config.json");
  app.add_flag("--rootless", rootless, "For a user namespace");
  if (auto code = parse(app, argc, argv)) return *code;
  std::string path = absolute(bundle) + "/config.json";
  if (::access(path.c_str(), F_OK) == 0) return report(Error::invalid("{} already exists", path));
  auto [dir, name] = fs::split_last(path);
  return report_or_zero(
      fs::write_atomic(dir, name, container::oci::default_config(rootless), true));
}

}  // namespace nucleus::cli
