// nucleus seccomp generate LOG [-o PROFILE]: the allowlist profile that would have run what
// `nucleus run --seccomp-mode trace --seccomp-log LOG` traced.
#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "spec/seccomp_trace.h"
#include "util/fs.h"

namespace nucleus::cli {
namespace {

int generate_profile(int argc, char** argv) {
  CLI::App app{"Write the seccomp profile (Docker's format) that allows what a trace saw",
               "nucleus seccomp generate"};
  std::string log_path, out;
  app.add_option("LOG", log_path, "The --seccomp-log of a run with --seccomp-mode trace")
      ->required();
  app.add_option("-o,--output", out, "Write the profile here (default: standard output)");
  if (auto code = parse(app, argc, argv)) return *code;
  auto text = fs::read_file(log_path);
  if (!text) return report(text.error());
  auto log = spec::parse_trace_log(*text, log_path);
  if (!log) return report(log.error());
  if (!log->complete)
    return report(Error::invalid(
        "{}: the traced run has not ended (its calls are written when it does)", log_path));
  std::string profile = spec::generate_profile(*log);
  if (out.empty()) {
    std::fputs(profile.c_str(), stdout);
    return 0;
  }
  auto [dir, name] = fs::split_last(out);
  if (auto written = fs::write_atomic(dir, name, profile, /*durable=*/true); !written)
    return report(written.error().wrap("-o"));
  return 0;
}

}  // namespace

int seccomp(int argc, char** argv) {
  std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "generate") return generate_profile(argc - 1, argv + 1);
  return report(Error::invalid("usage: nucleus seccomp generate LOG [-o PROFILE]"));
}

}  // namespace nucleus::cli
