#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "cli/common.h"
#include "cli/verbs.h"
#include "container/root.h"
#include "container/state.h"
#include "util/inherited_fds.h"
#include "util/log.h"

namespace {

std::string g_log_file;
bool g_log_json = false;

constexpr const char* kUsage =
    "usage: nucleus [--root DIR] COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run [OPTIONS] [--] COMMAND [ARG...]   run a command in a new sandbox (-d: in the "
    "background)\n"
    "  exec [OPTIONS] CONTAINER COMMAND...   run a command in a running sandbox\n"
    "  ps [-a] [-q] [--format table|json]    list sandboxes\n"
    "  inspect CONTAINER...                  describe sandboxes as JSON\n"
    "  logs [-f] [--tail N] [-t] CONTAINER   print a detached sandbox's output\n"
    "  wait CONTAINER...                     wait for sandboxes to stop; print exit codes\n"
    "  stop [-t SECS] CONTAINER...           SIGTERM, then SIGKILL\n"
    "  kill [-s SIGNAL] CONTAINER...         signal the init of sandboxes\n"
    "  pause | unpause CONTAINER...          freeze or thaw every process\n"
    "  rm [-f] CONTAINER...                  remove sandboxes\n"
    "  top CONTAINER                         list the processes of a sandbox\n"
    "  stats [--no-stream] [CONTAINER...]    CPU, memory, PIDs and I/O usage\n"
    "  cp SRC CONTAINER:DST | CONTAINER:SRC DST   copy files in or out\n"
    "  gc                                    remove what crashed nucleus processes left\n"
    "  network create|ls|rm                  bridge networks for run --network NAME\n"
    "  seccomp generate LOG [-o PROFILE]     the allowlist a --seccomp-mode trace run needs\n"
    "  landlock generate LOG [-o POLICY]     the Landlock policy that trace run needs\n"
    "  generate systemd [RUN OPTIONS] -- COMMAND   a unit that runs the container (--name)\n"
    "  rootfs attest|verify DIR              the manifest --verify-rootfs-attestation checks\n"
    "  events CONTAINER...                   egress and security denials, as JSON lines\n"
    "  update --egress-allow-domain NAME... CONTAINER   change a running sandbox's names\n"
    "  checkpoint [--leave-running] -o DIR CONTAINER   save a running sandbox\n"
    "  restore [-d] [--name NAME] -i DIR     continue a checkpointed sandbox as a new one\n"
    "  fork [--count N] CONTAINER            copies that go on from its current state\n"
    "  version                               print the version\n"
    "\n"
    "OCI runtime (runc's command line; see docs/oci.md):\n"
    "  create --bundle DIR [--pid-file F] [--console-socket S] ID;  start ID;  state ID\n"
    "  kill [--all] ID [SIGNAL];  delete [--force] ID;  run --bundle DIR [-d] ID;  list\n"
    "  exec [--process F | ...] ID [COMMAND...];  ps [--format json] ID;  pause|resume ID\n"
    "  update [--resources F] ID;  events [--stats] ID;  features;  spec\n"
    "global options: --root DIR, --log FILE, --log-format text|json, --debug,\n"
    "  --systemd-cgroup, --rootless auto|true|false\n"
    "\n"
    "CONTAINER is a full ID, a unique ID prefix, or a name. --root DIR keeps the state in DIR\n"
    "(default /run/nucleus for root, $XDG_RUNTIME_DIR/nucleus otherwise).\n";

// The first argument that is not an option (nor an option's value): the container, for verbs
// whose OCI and nucleus forms share a name.
const char* first_positional(int argc, char** argv) {
  static constexpr const char* kValued[] = {"-p",
                                            "--process",
                                            "--pid-file",
                                            "--console-socket",
                                            "--cwd",
                                            "-e",
                                            "--env",
                                            "-u",
                                            "--user",
                                            "-g",
                                            "--additional-gids",
                                            "-c",
                                            "--cap",
                                            "--process-label",
                                            "--apparmor",
                                            "--preserve-fds",
                                            "-f",
                                            "--format",
                                            "-s",
                                            "--signal",
                                            "-r",
                                            "--resources",
                                            "--interval",
                                            "-w",
                                            "--workdir",
                                            "--name",
                                            "--memory",
                                            "--memory-swap",
                                            "--cpu-shares",
                                            "--cpu-quota",
                                            "--cpu-period",
                                            "--pids-limit",
                                            "--cpuset-cpus",
                                            "--cpuset-mems",
                                            "--blkio-weight",
                                            "--memory-reservation",
                                            "--kernel-memory",
                                            "--egress-allow-domain",
                                            "-t",
                                            "--time",
                                            "--tail"};
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (std::strcmp(a, "--") == 0) return i + 1 < argc ? argv[i + 1] : nullptr;
    if (a[0] != '-') return a;
    if (std::strchr(a, '=') != nullptr) continue;
    for (const char* v : kValued)
      if (std::strcmp(a, v) == 0) {
        i++;
        break;
      }
  }
  return nullptr;
}

bool has_arg(int argc, char** argv, const char* a, const char* b = nullptr) {
  for (int i = 1; i < argc; i++) {
    size_t n = std::strlen(a);
    if (std::strcmp(argv[i], a) == 0 || (b && std::strcmp(argv[i], b) == 0) ||
        (std::strncmp(argv[i], a, n) == 0 && argv[i][n] == '='))
      return true;
  }
  return false;
}

// An OCI container in the store (`exec`, `kill`, `ps`... of the engines).
bool oci_target(int argc, char** argv) {
  const char* ref = first_positional(argc, argv);
  if (ref == nullptr || !nucleus::container::valid_id(ref)) return false;
  auto s = nucleus::container::Store(nucleus::container::state_root()).load(ref);
  return s && s->oci;
}

int dispatch(const char* verb, int argc, char** argv) {
  using namespace nucleus::cli;
  struct Verb {
    const char* name;
    int (*fn)(int, char**);
    int (*oci)(int, char**);  // the OCI form, when the target is an OCI container
  };
  static constexpr Verb kVerbs[] = {
      {"exec", exec, oci_exec},
      {"ps", ps, oci_ps},
      {"inspect", inspect, nullptr},
      {"logs", logs, nullptr},
      {"wait", wait, nullptr},
      {"stop", stop, nullptr},
      {"kill", kill, oci_kill},
      {"rm", rm, nullptr},
      {"top", top, nullptr},
      {"stats", stats, nullptr},
      {"cp", cp, nullptr},
      {"gc", gc, nullptr},
      {"network", network, nullptr},
      {"seccomp", seccomp, nullptr},
      {"landlock", landlock, nullptr},
      {"generate", generate, nullptr},
      {"rootfs", rootfs, nullptr},
      {"events", events, oci_events},
      {"update", update, oci_update},
      {"checkpoint", checkpoint, nullptr},
      {"restore", restore, nullptr},
      {"fork", fork, nullptr},
      {"create", oci_create, nullptr},
      {"start", oci_start, nullptr},
      {"state", oci_state, nullptr},
      {"delete", oci_delete, nullptr},
      {"list", oci_list, nullptr},
      {"features", oci_features, nullptr},
      {"spec", oci_spec, nullptr},
  };
  if (std::strcmp(verb, "run") == 0)
    return has_arg(argc, argv, "--bundle", "-b") ? oci_run(argc, argv) : run(argc, argv);
  if (std::strcmp(verb, "exec") == 0 && has_arg(argc, argv, "--process", "-p"))
    return oci_exec(argc, argv);
  if (std::strcmp(verb, "update") == 0 && has_arg(argc, argv, "--resources", "-r"))
    return oci_update(argc, argv);
  // runc's `kill ID SIGNAL`: two words, the second a signal (nucleus's own takes -s).
  if (std::strcmp(verb, "kill") == 0 && argc == 3 && argv[1][0] != '-' && signal_number(argv[2]))
    return oci_kill(argc, argv);
  for (const auto& v : kVerbs) {
    if (std::strcmp(verb, v.name) != 0) continue;
    if (v.oci && oci_target(argc, argv)) return v.oci(argc, argv);
    return v.fn(argc, argv);
  }
  bool oci = oci_target(argc, argv);
  if (std::strcmp(verb, "pause") == 0)
    return oci ? oci_pause(argc, argv, true) : pause(argc, argv, true);
  if (std::strcmp(verb, "unpause") == 0 || std::strcmp(verb, "resume") == 0)
    return oci ? oci_pause(argc, argv, false) : pause(argc, argv, false);
  if (std::strcmp(verb, "version") == 0 || std::strcmp(verb, "--version") == 0 ||
      std::strcmp(verb, "-v") == 0)
    return version();
  std::fprintf(stderr, "nucleus: unknown command '%s'\n%s", verb, kUsage);
  return 125;
}

// Global options, before the verb (runc's, which the engines pass).
std::optional<int> global_options(int argc, char** argv, int* i) {
  for (; *i < argc && argv[*i][0] == '-'; (*i)++) {
    std::string a = argv[*i];
    std::string value;
    size_t eq = a.find('=');
    if (eq != std::string::npos) value = a.substr(eq + 1), a = a.substr(0, eq);
    auto take = [&]() -> bool {
      if (eq != std::string::npos) return true;
      if (*i + 1 >= argc) return false;
      value = argv[++*i];
      return true;
    };
    if (a == "--debug") {
      nucleus::log::set_level(nucleus::log::Level::kDebug);
    } else if (a == "--systemd-cgroup") {
      // cgroupsPath in the "slice:prefix:name" form is understood either way.
    } else if (a == "--root") {
      if (!take() || value.empty() || value[0] != '/') {
        std::fprintf(stderr, "nucleus: --root needs an absolute directory\n");
        return 125;
      }
      nucleus::container::set_state_root(value);
    } else if (a == "--log" || a == "--log-format" || a == "--rootless" || a == "--criu") {
      if (!take()) {
        std::fprintf(stderr, "nucleus: %s needs a value\n", a.c_str());
        return 125;
      }
      if (a == "--log") g_log_file = value;
      if (a == "--log-format") g_log_json = value == "json";
    } else {
      return std::nullopt;  // --help, --version: the verb table knows them
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  nucleus::inherited_fds::note();  // before anything is opened (--preserve-fds)
  int i = 1;
  if (auto code = global_options(argc, argv, &i)) return *code;
  if (!g_log_file.empty() && !nucleus::log::set_file(g_log_file.c_str(), g_log_json)) {
    std::fprintf(stderr, "nucleus: --log %s: %s\n", g_log_file.c_str(), std::strerror(errno));
    return 125;
  }
  if (i >= argc || std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
    std::fputs(kUsage, i >= argc ? stderr : stdout);
    return i >= argc ? 125 : 0;
  }
  return dispatch(argv[i], argc - i, argv + i);
}
