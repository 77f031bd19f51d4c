// --service-mode production: fail closed. A service runs from its own read-only root with root
// inside remapped to an unprivileged host range, /proc hiding other users' processes and the
// mounts audited; each weakening is refused; --verify-rootfs-attestation refuses a root that
// differs from its manifest in any file.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness.h"
#include "notify_socket.h"

namespace nucleus::testing {
namespace {

class Production : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    rootfs_ = tmp.path() + "/rootfs";
    make_busybox_rootfs(rootfs_);
  }
  std::vector<std::string> service(std::vector<std::string> extra,
                                   std::vector<std::string> command) const {
    std::vector<std::string> args = {"run",  "--service-mode", "production", "--memory",
                                     "64m",  "--cpus",         "1",          "--rootfs",
                                     rootfs_};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return args;
  }
  TempDir tmp;
  std::string rootfs_;
};

TEST_F(Production, RunsWithEveryLayer) {
  RunResult r = run(service({"-u", "1000:1000"},
                            {"sh", "-c",
                             "echo $$; id -u; cat /proc/self/uid_map; grep ' /proc ' /proc/mounts; "
                             "touch /x 2>/dev/null || echo read-only; "
                             "grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status"}));
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 8u) << r.out;
  EXPECT_EQ(lines[0], "2");  // under nucleus's init
  lines.erase(lines.begin());
  EXPECT_EQ(lines[0], "1000");
  // Root inside is a host id far above any account, 65536 of them.
  std::istringstream map(lines[1]);
  uint64_t inside = 1, host = 0, count = 0;
  map >> inside >> host >> count;
  EXPECT_EQ(inside, 0u);
  EXPECT_GE(host, 0x10000000u);
  EXPECT_EQ(count, 65536u);
  EXPECT_NE(lines[2].find("hidepid=invisible"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3], "read-only");
  EXPECT_EQ(lines[4], "CapEff:\t0000000000000000");
  EXPECT_EQ(lines[5], "NoNewPrivs:\t1");
  EXPECT_EQ(lines[6], "Seccomp:\t2");
}

TEST_F(Production, EveryWeakeningIsRefused) {
  std::string data = tmp.path() + "/data";
  std::filesystem::create_directories(data);
  for (const auto& [args, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"run", "--service-mode", "production", "--cpus", "1", "--rootfs", rootfs_, "--",
             "true"},
            "--memory and --cpus are required"},
           {{"run", "--service-mode", "production", "--memory", "64m", "--cpus", "1", "--", "true"},
            "--rootfs is required"},
           {service({"--rootfs-rw"}, {"true"}), "--rootfs-rw is refused"},
           {service({"--allow-degraded-security"}, {"true"}),
            "--allow-degraded-security is refused"},
           {service({"--network", "host", "--allow-host-network"}, {"true"}),
            "the host's network is refused"},
           {service({"--runtime", "gvisor"}, {"true"}), "the native runtime only"},
           {service({"-v", "/etc:/data:ro"}, {"true"}), "volume source /etc is a system directory"},
           {service({"-v", "/var/lib/x:/data"}, {"true"}), "volume source /var/lib/x"},
           {service({"--context", data}, {"true"}), "--context copies are writable"},
           {service({"--seccomp-mode", "trace", "--seccomp-log", data + "/t.json"}, {"true"}),
            "--seccomp-mode trace is refused"},
           {{"run", "--service-mode", "prod", "--", "true"}, "want default or production"},
           {{"run", "--verify-rootfs-attestation", "--", "true"},
            "--verify-rootfs-attestation needs --rootfs"},
       })
    expect_refused(args, needle);
  // A writable volume is allowed, not executable (the read-only root has its mount point).
  std::filesystem::create_directories(rootfs_ + "/data");
  RunResult r = run(service({"-v", data + ":/data"}, {"sh", "-c", "grep ' /data ' /proc/mounts"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("noexec"), std::string::npos) << r.out;
}

TEST_F(Production, TheRootfsMustBeAsAttested) {
  RunResult attest = run({"rootfs", "attest", rootfs_});
  ASSERT_EQ(attest.code, 0) << attest.err;
  auto verified = [&] { return service({"--verify-rootfs-attestation"}, {"true"}); };
  RunResult ok = run(verified());
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(run({"rootfs", "verify", rootfs_}).code, 0);

  std::ofstream(rootfs_ + "/etc/extra") << "x";
  expect_refused(verified(), "rootfs attestation: /etc/extra is not in the manifest");
  std::filesystem::remove(rootfs_ + "/etc/extra");
  std::ofstream(rootfs_ + "/probe", std::ios::app) << "x";
  expect_refused(verified(), "rootfs attestation: /probe changed");
  expect_refused({"rootfs", "verify", rootfs_}, "/probe changed");
  std::filesystem::remove(rootfs_ + "/bin/ls");
  RunResult again = run({"rootfs", "attest", rootfs_});
  ASSERT_EQ(again.code, 0) << again.err;
  std::filesystem::remove(rootfs_ + "/bin/cat");
  expect_refused(verified(), "rootfs attestation: /bin/cat is missing");
  // The manifest itself is read without following a symlink.
  std::string manifest = rootfs_ + "/.nucleus-rootfs-sha256";
  std::filesystem::rename(manifest, tmp.path() + "/manifest");
  std::filesystem::create_symlink(tmp.path() + "/manifest", manifest);
  expect_refused(verified(), "is a symlink, not a regular file");
  std::filesystem::remove(manifest);
  expect_refused(verified(), "make it with `nucleus rootfs attest");
}

TEST_F(Production, ChecksRunUnderEveryLayer) {
  // Ready once /tmp/ok exists, unhealthy once it is gone: both seen through `nucleus exec` into
  // the remapped, read-only, audited container, its init passing the stop on.
  NotifySocket sock(tmp.path() + "/notify");
  RunOptions o;
  o.env = {sock.env()};
  RunResult r =
      run(service({"--sd-notify", "--readiness-exec", "test -e /tmp/ok", "--health-cmd",
                   "test -e /tmp/ok", "--health-interval", "200ms", "--health-retries", "2"},
                  {"sh", "-c", "sleep 0.3; touch /tmp/ok; sleep 1; rm /tmp/ok; sleep 60"}),
          o);
  EXPECT_EQ(sock.receive().substr(0, 8), "READY=1\n");
  EXPECT_EQ(r.code, 143) << r.err;  // sh, killed by the SIGTERM its init passed on
  EXPECT_NE(r.err.find("unhealthy after 2 failed checks"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nucleus::testing
