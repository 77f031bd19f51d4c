#include <cstdio>
#include <cstring>

#include "cli/verbs.h"

namespace {

constexpr const char* kUsage =
    "usage: nucleus COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run [OPTIONS] [--] COMMAND [ARG...]   run a command in a new sandbox (see run --help)\n"
    "  ps [-a] [-q] [--format table|json]    list sandboxes\n"
    "  gc                                    remove what crashed nucleus processes left\n"
    "  version                               print the version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 125 : 0;
  }
  const char* verb = argv[1];
  if (std::strcmp(verb, "run") == 0) return nucleus::cli::run(argc - 1, argv + 1);
  if (std::strcmp(verb, "ps") == 0) return nucleus::cli::ps(argc - 1, argv + 1);
  if (std::strcmp(verb, "gc") == 0) return nucleus::cli::gc(argc - 1, argv + 1);
  if (std::strcmp(verb, "version") == 0 || std::strcmp(verb, "--version") == 0)
    return nucleus::cli::version();
  std::fprintf(stderr, "nucleus: unknown command '%s'\n%s", verb, kUsage);
  return 125;
}
