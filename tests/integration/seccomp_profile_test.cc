// nucleus run --seccomp-profile: a profile file in Docker's format replaces nucleus's allowlist,
// with its conditions on capabilities, architecture and kernel resolved for the sandbox.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "detached.h"
#include "util/sha256.h"

namespace nucleus::testing {
namespace {

// Everything allowed but what the entries deny, each with its own errno so the probe can tell
// which entry decided.
constexpr const char* kProfile = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}],
  "syscalls": [
    {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
     "excludes": {"caps": ["CAP_SYS_CHROOT"]}, "comment": "chroot needs the capability"},
    {"names": ["keyctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
     "includes": {"arches": ["arm64"]}},
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 75,
     "args": [{"index": 0, "value": 262144, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28, "errno": "ENOSPC",
     "includes": {"minKernel": "3.0"}},
    {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28,
     "includes": {"minKernel": "99.0"}},
    {"name": "unshare", "action": "SCMP_ACT_ERRNO", "errnoRet": 11},
    {"names": ["no_such_call"], "action": "SCMP_ACT_KILL"}
  ]
})";

class SeccompProfile : public IntegrationTest {
 protected:
  TempDir tmp;
  std::string file = tmp.file("profile.json", kProfile);
};

TEST_F(SeccompProfile, ReplacesTheAllowlist) {
  auto j = probe({"--seccomp-profile", file},
                 {"syscall=chroot", "syscall=keyctl", "syscall=personality", "mkdir=/tmp/d",
                  "syscall=bpf", "syscall=unshare", "syscall=unlisted"});
  auto& c = j["checks"];
  EXPECT_EQ(c["syscall=chroot"], ENOSYS);  // no CAP_SYS_CHROOT: the entry applies
  EXPECT_NE(c["syscall=keyctl"], EACCES);  // an arm64 entry
  EXPECT_EQ(c["syscall=personality"], EOVERFLOW);
  EXPECT_EQ(c["mkdir=/tmp/d"], ENOSPC);  // minKernel 3.0: this kernel is newer
  EXPECT_NE(c["syscall=bpf"], ENOSPC);   // minKernel 99.0
  EXPECT_EQ(c["syscall=unshare"], EAGAIN);
  EXPECT_EQ(c["syscall=unlisted"], ENOSYS);  // allowed: the kernel's own answer, no SIGSYS
  EXPECT_EQ(j["seccomp"], "2");
  EXPECT_EQ(j["no_new_privs"], "1");

  // With the capability kept, the excluded entry is gone and chroot works.
  auto kept = probe({"--cap-add", "SYS_CHROOT", "--seccomp-profile", file}, {"syscall=chroot"});
  EXPECT_EQ(kept["checks"]["syscall=chroot"], 0);
}

TEST_F(SeccompProfile, HoldsForExecInADetachedSandbox) {
  std::string id = start_with_probe({"--seccomp-profile", file});
  auto j = exec_probe(id, {}, {"syscall=personality", "mkdir=/tmp/e"});
  EXPECT_EQ(j["checks"]["syscall=personality"], EOVERFLOW);
  EXPECT_EQ(j["checks"]["mkdir=/tmp/e"], ENOSPC);
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

// The Docker-format profile that podman and CRI-O use (containers-common), when installed: an
// errno default instead of nucleus's kill, capability-gated calls refused without them.
TEST_F(SeccompProfile, TheContainersDefaultProfileRunsPrograms) {
  const char* docker = "/usr/share/containers/seccomp.json";
  if (access(docker, R_OK) != 0) GTEST_SKIP() << docker << " is not installed";
  auto j = probe({"--seccomp-profile", docker}, {"syscall=bpf", "syscall=unlisted"});
  EXPECT_EQ(j["checks"]["syscall=bpf"], EPERM);        // excluded without CAP_SYS_ADMIN
  EXPECT_EQ(j["checks"]["syscall=unlisted"], ENOSYS);  // defaultErrnoRet 38
  RunResult py = run({"run", "--seccomp-profile", docker, "--", "python3", "-c",
                      "import subprocess; print(subprocess.run(['echo', 'ok'], "
                      "capture_output=True).stdout.decode().strip())"});
  EXPECT_EQ(py.code, 0) << py.err;
  EXPECT_EQ(py.out, "ok\n");
}

// --seccomp-profile-sha256: the file is used only if it is the one meant.
TEST_F(SeccompProfile, TheHashIsCheckedBeforeTheProfileIsRead) {
  std::string hex = sha256::hex(sha256::hash(kProfile));
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& good : {hex, upper}) {
    auto j = probe({"--seccomp-profile", file, "--seccomp-profile-sha256", good}, {"mkdir=/tmp/d"});
    EXPECT_EQ(j["checks"]["mkdir=/tmp/d"], ENOSPC);  // the profile's
  }
  auto probe_mkdir = [&](const std::string& sum) {
    return run({"run", "--seccomp-profile", file, "--seccomp-profile-sha256", sum, "--", "true"});
  };
  std::string other = hex;
  other[0] = other[0] == '0' ? '1' : '0';
  for (auto [sum, needle] : std::initializer_list<std::pair<std::string, std::string>>{
           {other, "--seccomp-profile: the file's SHA-256 is " + hex + ", not the " + other},
           {"abc", "--seccomp-profile-sha256: want 64 hexadecimal digits"}}) {
    RunResult r = probe_mkdir(sum);
    EXPECT_EQ(r.code, 125);
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  RunResult alone = run({"run", "--seccomp-profile-sha256", hex, "--", "true"});
  EXPECT_EQ(alone.code, 125);
  EXPECT_NE(alone.err.find("given without --seccomp-profile"), std::string::npos) << alone.err;
}

TEST_F(SeccompProfile, BadProfilesAreRefused) {
  std::string link = tmp.path() + "/link.json";
  ASSERT_EQ(symlink(file.c_str(), link.c_str()), 0);
  struct Case {
    std::string content, needle;
  };
  std::vector<Case> cases = {
      {"", "the file is empty"},
      {"{\"defaultAction\": ", "not valid JSON"},
      {"[]", "want an object"},
      {R"({"defaultAction": "SCMP_ACT_MAYBE"})", "defaultAction: unknown action"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "new"}}]})",
       "syscalls[0].includes.minKernel: want MAJOR.MINOR"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "op": "SCMP_CMP_EQ"}]}]})",
       "args[0].index: out of range"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
          "action": "SCMP_ACT_NOTIFY"}]})",
       "SCMP_ACT_NOTIFY"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock",
          "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]})",
       "listenerPath is for OCI containers"},
  };
  int n = 0;
  for (const auto& c : cases) {
    std::string path = tmp.file("bad" + std::to_string(n++) + ".json", c.content);
    RunResult r = run({"run", "--seccomp-profile", path, "--", "true"});
    EXPECT_EQ(r.code, 125) << c.content;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.content << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  for (const std::string& path : {std::string("/nonexistent.json"), link}) {
    RunResult r = run({"run", "--seccomp-profile", path, "--", "true"});
    EXPECT_EQ(r.code, 125) << path;
    EXPECT_NE(r.err.find("--seccomp-profile"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace nucleus::testing
