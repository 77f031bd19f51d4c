#include "checkpoint/criu.h"

#include <unistd.h>

#include "process/spawn.h"
#include "util/fs.h"

namespace nucleus::checkpoint {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string last_line(const std::string& text) {
  std::string t = trimmed(text);
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// "ok", or why not: what `criu check` said, with CRIU's version.
std::string check(const std::string& criu) {
  auto f = process::run_with_input({criu, "check"}, "", 60000);
  if (f && f->code == 0) return "ok";
  auto v = process::run_with_input({criu, "--version"}, "", 10000);
  std::string version = v ? trimmed(v->out) : "";
  if (version.rfind("Version: ", 0) == 0) version = version.substr(9);
  std::string why = f ? last_line(f->err + f->out) : f.error().what();
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
  std::string boot = trimmed(fs::read_file("/proc/sys/kernel/random/boot_id").value_or(""));
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
