// --runtime gvisor: the same sandbox under runsc (Debian's runsc; ptrace platform here). Skipped
// with the reason when runsc is absent.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "gvisor.h"

namespace nucleus::testing {
namespace {

TEST_F(Gvisor, IsolatedLikeANativeSandbox) {
  TempDir host;
  std::string marker = host.file("marker", "secret");
  RunResult r = run(gv({"--", "sh", "-c",
                        "echo pid=$$; id -u; grep CapEff /proc/self/status; "
                        "touch /x 2>/dev/null || echo root-ro; touch /tmp/y && echo tmp-rw; "
                        "cat " +
                            marker +
                            " 2>/dev/null || echo marker-invisible; "
                            "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; exit 3"}));
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "pid=1\n0\nCapEff:\t0000000000000000\nroot-ro\ntmp-rw\nmarker-invisible\nlo\n");
}

// The native allowlist goes into the bundle (runsc --oci-seccomp): a call it denies fails, one it
// does not list ends the caller, where gVisor alone would have answered both.
TEST_F(Gvisor, TheSeccompProfileHoldsInsideTheSandbox) {
  for (const char* rt : {"native", "gvisor"}) {
    auto j = probe({"--runtime", rt}, {"syscall=personality", "syscall=unlisted"});
    EXPECT_EQ(j["checks"]["syscall=personality"], EPERM) << rt;       // gVisor alone: EINVAL
    EXPECT_EQ(j["checks"]["syscall=unlisted"], 1000 + SIGSYS) << rt;  // gVisor alone: ENOSYS
  }
  // Threads still start: glibc's clone3 is not refused with an error it would not fall back on.
  RunResult threads = run(gv({"--", "python3", "-c",
                              "import threading; t = threading.Thread(target=print, "
                              "args=('thread',)); t.start(); t.join()"}));
  EXPECT_EQ(threads.out, "thread\n") << threads.err;
}

// --seccomp-profile goes to runsc in place of the allowlist (Debian's runsc answers EPERM for
// every denied call, whatever errnoRet says).
TEST_F(Gvisor, ASeccompProfileFileReplacesTheAllowlist) {
  TempDir tmp;
  std::string file = tmp.file("profile.json", R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]})");
  auto j = probe({"--runtime", "gvisor", "--seccomp-profile", file},
                 {"mkdir=/tmp/d", "syscall=unlisted", "write=/tmp/f"});
  EXPECT_NE(j["checks"]["mkdir=/tmp/d"], 0);
  EXPECT_EQ(j["checks"]["syscall=unlisted"], ENOSYS);  // allowed: gVisor's own answer
  EXPECT_EQ(j["checks"]["write=/tmp/f"], 0);
}

TEST_F(Gvisor, ProbeSeesTheSameFilesystemPolicy) {
  RunResult raw;
  auto j = probe({"--runtime", "gvisor"},
                 {"write=/tmp/a", "write=/dev/shm/a", "write=/usr/x", "write=/etc/passwd",
                  "write=/context/x", "read=/etc/shadow"},
                 &raw);
  EXPECT_EQ(raw.code, 0) << raw.err;
  auto& c = j["checks"];
  EXPECT_EQ(c["write=/tmp/a"], 0);
  EXPECT_EQ(c["write=/dev/shm/a"], 0);
  for (const char* k :
       {"write=/usr/x", "write=/etc/passwd", "write=/context/x", "read=/etc/shadow"})
    EXPECT_NE(c[k], 0) << k;
  EXPECT_EQ(j["uid"], 0);
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
}

TEST_F(Gvisor, EnvContextAndVolumes) {
  TempDir ctx;
  ctx.file("in.txt", "from the host\n");
  ctx.file(".env", "SECRET=1\n");
  TempDir vol;
  vol.file("v.txt", "volume\n");
  RunResult r = run(gv({"--context", ctx.path(), "-v", vol.path() + ":/data:ro", "-e", "FOO=bar",
                        "--", "sh", "-c",
                        "cat in.txt; test -e .env || echo no-env; echo changed > in.txt; "
                        "cat in.txt; cat /data/v.txt; echo $FOO; pwd"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "from the host\nno-env\nchanged\nvolume\nbar\n/context\n");
  std::ifstream in(ctx.path() + "/in.txt");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), "from the host\n");
}

TEST_F(Gvisor, SignalsAndTimeout) {
  RunOptions o;
  o.signal_after_ready = SIGTERM;
  RunResult raw;
  probe({"--runtime", "gvisor"}, {"wait-signal"}, &raw, o);
  EXPECT_EQ(raw.code, 100 + SIGTERM) << raw.err;  // delivered through runsc kill
  EXPECT_EQ(run(gv({"--timeout", "1", "--", "sleep", "30"})).code, 137);
}

TEST_F(Gvisor, OutputToARegularFileKeepsEveryLine) {
  // runsc writes a file given as stdout and stderr at separate offsets: nucleus relays instead.
  TempDir dir;
  std::string file = dir.path() + "/out.txt";
  std::string cmd = std::string(NUCLEUS_BIN) +
                    " run --runtime gvisor -- sh -c 'echo one; echo two >&2; echo three' > " +
                    file + " 2>&1";
  EXPECT_EQ(system(cmd.c_str()), 0);
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  for (const char* line : {"one\n", "two\n", "three\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " missing from: " << text;
  EXPECT_EQ(text.size(), 14u) << text;
  // exec likewise: appended after what the file holds, not written over it from offset 0.
  std::string id = trim(run(gv({"-d", "--", "sleep", "30"})).out);
  cmd = std::string("(echo before; ") + NUCLEUS_BIN + " exec " + id +
        " sh -c 'echo one; echo two >&2') > " + file + " 2>&1";
  EXPECT_EQ(system(cmd.c_str()), 0);
  std::ifstream again(file);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), {}), "before\none\ntwo\n");
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

TEST_F(Gvisor, TwoSandboxesAtOnce) {
  RunResult a, b;
  std::thread ta([&] { a = run(gv({"--", "sh", "-c", "sleep 0.5; echo a"})); });
  std::thread tb([&] { b = run(gv({"--", "sh", "-c", "sleep 0.5; echo b"})); });
  ta.join();
  tb.join();
  EXPECT_EQ(a.out, "a\n") << a.err;
  EXPECT_EQ(b.out, "b\n") << b.err;
}

TEST_F(Gvisor, AKilledNucleusIsCollected) {
  pid_t pid = spawn(gv({"--name", "gv-victim", "--memory", "64m", "--", "sleep", "30"}));
  std::string ps;
  for (int i = 0; i < 500 && ps.find("gv-victim") == std::string::npos; i++) {
    ps = run({"ps"}).out;
    usleep(10000);
  }
  usleep(300000);  // the sandbox is up
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_NE(run({"ps", "-a"}).out.find("dead"), std::string::npos);
  EXPECT_EQ(run({"rm", "-f", "gv-victim"}).code, 0);  // runsc delete, cgroups, bundle, state
}

TEST_F(Gvisor, BadRuntimeFlags) {
  EXPECT_EQ(run({"run", "--trust-level", "untrusted", "--", "true"}).code, 125);
  EXPECT_EQ(run({"run", "--runtime", "bogus", "--", "true"}).code, 125);
  EXPECT_EQ(run({"run", "--gvisor-platform", "kvm", "--", "true"}).code, 125);
  EXPECT_EQ(run(gv({"--gvisor-platform", "nope", "--", "true"})).code, 125);
  EXPECT_EQ(run(gv({"--trust-level", "untrusted", "--", "true"})).code, 0);
  // Egress policies apply to bridge networks (tested in gvisor_network_test.cc, in a fake host).
  RunResult egress = run(gv({"--egress-deny-all", "--", "true"}));
  EXPECT_EQ(egress.code, 125);
  EXPECT_NE(egress.err.find("bridge"), std::string::npos) << egress.err;
  EXPECT_EQ(run(gv({"--network", "host", "--", "true"})).code, 125);  // needs the explicit flag
}

}  // namespace
}  // namespace nucleus::testing
