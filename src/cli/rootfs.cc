// nucleus rootfs attest DIR | verify DIR: the manifest that run --verify-rootfs-attestation
// checks (fs/attest.h).
#include <cstdio>

#include "cli/common.h"
#include "cli/verbs.h"
#include "fs/attest.h"

namespace nucleus::cli {
namespace {

int attest(int argc, char** argv, bool write) {
  CLI::App app{write ? "Write DIR/.nucleus-rootfs-sha256: every file's SHA-256, mode and kind"
                     : "Check DIR against its .nucleus-rootfs-sha256",
               write ? "nucleus rootfs attest" : "nucleus rootfs verify"};
  std::string dir;
  app.add_option("DIR", dir, "The root filesystem directory")->required();
  if (auto code = parse(app, argc, argv)) return *code;
  if (!write) {
    if (auto ok = fs::verify_rootfs(dir); !ok) return report(ok.error());
    std::printf("%s: as attested\n", dir.c_str());
    return 0;
  }
  auto n = fs::attest_rootfs(dir);
  if (!n) return report(n.error());
  std::printf("%s/%s: %zu entries\n", dir.c_str(), fs::kRootfsManifest, *n);
  return 0;
}

}  // namespace

int rootfs(int argc, char** argv) {
  std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "attest" || verb == "verify") return attest(argc - 1, argv + 1, verb == "attest");
  return report(Error::invalid("usage: nucleus rootfs attest|verify DIR"));
}

}  // namespace nucleus::cli
