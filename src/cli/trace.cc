// What a traced run (`nucleus run --seccomp-mode trace --seccomp-log LOG`) makes:
//   nucleus seccomp generate LOG [-o PROFILE]   the seccomp allowlist that would have run it
//   nucleus landlock generate LOG [-o POLICY]   the Landlock policy that would have run it
#include <cstdio>
#include <functional>

#include "cli/common.h"
#include "cli/verbs.h"
#include "spec/landlock_generate.h"
#include "spec/seccomp_trace.h"
#include "util/fs.h"

namespace nucleus::cli {
namespace {

using Generator = std::function<Result<std::string>(const spec::TraceLog&)>;

int generate_from(int argc, char** argv, const std::string& title, const std::string& name,
                  const Generator& generate) {
  CLI::App app{title, name};
  std::string log_path, out;
  app.add_option("LOG", log_path, "The --seccomp-log of a run with --seccomp-mode trace")
      ->required();
  app.add_option("-o,--output", out, "Write it here (default: standard output)");
  if (auto code = parse(app, argc, argv)) return *code;
  auto text = fs::read_file(log_path);
  if (!text) return report(text.error());
  auto log = spec::parse_trace_log(*text, log_path);
  if (!log) return report(log.error());
  if (!log->complete)
    return report(Error::invalid(
        "{}: the traced run has not ended (its calls are written when it does)", log_path));
  auto made = generate(*log);
  if (!made) return report(made.error().wrap(log_path));
  if (out.empty()) {
    std::fputs(made->c_str(), stdout);
    return 0;
  }
  auto [dir, file] = fs::split_last(out);
  if (auto written = fs::write_atomic(dir, file, *made, /*durable=*/true); !written)
    return report(written.error().wrap("-o"));
  return 0;
}

}  // namespace

int seccomp(int argc, char** argv) {
  std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "generate")
    return generate_from(argc - 1, argv + 1,
                         "Write the seccomp profile (Docker's format) that allows what a trace saw",
                         "nucleus seccomp generate", [](const spec::TraceLog& log) {
                           return Result<std::string>(spec::generate_profile(log));
                         });
  return report(Error::invalid("usage: nucleus seccomp generate LOG [-o PROFILE]"));
}

int landlock(int argc, char** argv) {
  std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "generate")
    return generate_from(
        argc - 1, argv + 1,
        "Write the Landlock policy (--landlock-policy) that allows what a trace saw",
        "nucleus landlock generate", [](const spec::TraceLog& log) -> Result<std::string> {
          if (log.paths.empty())
            return fail_invalid("the trace names no paths (written by an older nucleus?)");
          return spec::generate_landlock_policy(log);
        });
  return report(Error::invalid("usage: nucleus landlock generate LOG [-o POLICY]"));
}

}  // namespace nucleus::cli
