#include "checkpoint/criu.h"

#include <unistd.h>

#include "process/spawn.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::checkpoint {
namespace {

// "ok", or why not: what `criu check` said, with CRIU's version.
std::string check(const std::string& criu) {
  auto f = process::run_with_input({criu, "check"}, "", 60000);
  if (f && f->code == 0) return "ok";
  auto v = process::run_with_input({criu, "--version"}, "", 10000);
  std::string version(v ? parse::trim_end(v->out) : "");
  if (version.rfind("Version: ", 0) == 0) version = version.substr(9);
  std::string why = f ? std::string(parse::last_line(f->err + f->out)) : f.error().what();
  return fmt::format(
      "CRIU {} does not work on this kernel (`criu check`: {}); checkpoints of native "
      "containers need CRIU 4.1 or newer on kernels from 6.13",
      version.empty() ? "(unknown version)" : version, why.empty() ? "failed" : why);
}

}  // namespace

Result<std::string> working_criu(const std::string& state_root) {
  std::string criu;
  for (const char* path : {"/usr/sbin/criu", "/usr/bin/criu", "/usr/local/sbin/criu"}) {
    if (::access(path, F_OK) != 0) continue;
    TRY(process::check_trusted_executable(path));
    criu = path;
    break;
  }
  if (criu.empty())
    return fail_invalid(
        "checkpoints of native containers need CRIU 4.1 or newer (not found in /usr/sbin, "
        "/usr/bin or /usr/local/sbin)");
  // Cached per boot and per CRIU binary.
  std::string boot_id = fs::read_file("/proc/sys/kernel/random/boot_id").value_or("");
  std::string boot(parse::trim_end(boot_id));
  std::string key = boot + " " + criu;
  std::string verdict;
  if (auto cached = fs::read_file(state_root + "/criu-check")) {
    size_t nl = cached->find('\n');
    if (nl != std::string::npos && cached->substr(0, nl) == key) verdict = cached->substr(nl + 1);
  }
  if (verdict.empty()) {
    verdict = check(criu);
    TRY(fs::make_private_dir(state_root));
    (void)fs::write_atomic(state_root, "criu-check", key + "\n" + verdict, false);
  }
  if (verdict != "ok") return fail_invalid("{}", verdict);
  return criu;
}

}  // namespace nucleus::checkpoint
