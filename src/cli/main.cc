#include <cstdio>
#include <cstring>
#include <string>

#include "cli/verbs.h"
#include "container/root.h"

namespace {

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
    "  events CONTAINER...                   egress denials of sandboxes, as JSON lines\n"
    "  update --egress-allow-domain NAME... CONTAINER   change a running sandbox's names\n"
    "  checkpoint [--leave-running] -o DIR CONTAINER   save a running sandbox (gVisor)\n"
    "  restore [-d] [--name NAME] -i DIR     continue a checkpointed sandbox as a new one\n"
    "  version                               print the version\n"
    "\n"
    "CONTAINER is a full ID, a unique ID prefix, or a name. --root DIR keeps the state in DIR\n"
    "(default /run/nucleus for root, $XDG_RUNTIME_DIR/nucleus otherwise).\n";

int dispatch(const char* verb, int argc, char** argv) {
  using namespace nucleus::cli;
  struct Verb {
    const char* name;
    int (*fn)(int, char**);
  };
  static constexpr Verb kVerbs[] = {
      {"run", run},
      {"exec", exec},
      {"ps", ps},
      {"inspect", inspect},
      {"logs", logs},
      {"wait", wait},
      {"stop", stop},
      {"kill", kill},
      {"rm", rm},
      {"top", top},
      {"stats", stats},
      {"cp", cp},
      {"gc", gc},
      {"network", network},
      {"events", events},
      {"update", update},
      {"checkpoint", checkpoint},
      {"restore", restore},
  };
  for (const auto& v : kVerbs) {
    if (std::strcmp(verb, v.name) == 0) return v.fn(argc, argv);
  }
  if (std::strcmp(verb, "pause") == 0) return pause(argc, argv, true);
  if (std::strcmp(verb, "unpause") == 0) return pause(argc, argv, false);
  if (std::strcmp(verb, "version") == 0 || std::strcmp(verb, "--version") == 0) return version();
  std::fprintf(stderr, "nucleus: unknown command '%s'\n%s", verb, kUsage);
  return 125;
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  // Global options come before the verb.
  while (i < argc && std::strncmp(argv[i], "--root", 6) == 0) {
    std::string dir;
    if (std::strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else if (std::strncmp(argv[i], "--root=", 7) == 0) {
      dir = argv[i] + 7;
    }
    if (dir.empty() || dir[0] != '/') {
      std::fprintf(stderr, "nucleus: --root needs an absolute directory\n");
      return 125;
    }
    nucleus::container::set_state_root(dir);
    i++;
  }
  if (i >= argc || std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
    std::fputs(kUsage, i >= argc ? stderr : stdout);
    return i >= argc ? 125 : 0;
  }
  return dispatch(argv[i], argc - i, argv + i);
}
