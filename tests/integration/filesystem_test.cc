// The context directory, volumes, tmpfs mounts and a given rootfs.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Filesystem : public IntegrationTest {};

std::string read_host(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST_F(Filesystem, ContextCopyLeavesSecretsOutAndTheHostUntouched) {
  TempDir ctx;
  ctx.file("src/main.py", "print('hi')\n");
  ctx.file("run.sh", "#!/bin/sh\necho ran\n", 0755);
  ctx.file(".env", "TOKEN=x");
  ctx.file(".git/config", "[core]");
  ctx.file("server.pem", "key");
  ctx.file(".ssh/id_rsa", "key");
  symlink("src/main.py", (ctx.path() + "/link.py").c_str());
  RunResult r = run({"run", "--context", ctx.path(), "--", "sh", "-c",
                     "pwd; ls -A | sort | tr '\\n' ' '; echo; ./run.sh; cat link.py;"
                     "echo changed > src/main.py && cat src/main.py"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "/context\nlink.py run.sh src \nran\nprint('hi')\nchanged\n");
  EXPECT_EQ(read_host(ctx.path() + "/src/main.py"), "print('hi')\n");
}

TEST_F(Filesystem, ContextBindIsReadOnly) {
  TempDir ctx;
  ctx.file("a", "x");
  RunResult r = run({"run", "--context", ctx.path(), "--context-mode", "bind", "--", "sh", "-c",
                     "cat a; echo y > a || echo refused"});
  EXPECT_EQ(r.out, "xrefused\n");
  EXPECT_EQ(read_host(ctx.path() + "/a"), "x");
}

TEST_F(Filesystem, VolumesReadWriteAndReadOnly) {
  TempDir rw, ro;
  ro.file("in", "data");
  RunResult r =
      run({"run", "-v", rw.path() + ":/out", "-v", ro.path() + ":/in:ro", "--", "sh", "-c",
           "cat /in/in && echo result > /out/r && (echo x > /in/in || echo ro-refused)"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "dataro-refused\n");
  EXPECT_EQ(read_host(rw.path() + "/r"), "result\n");
  EXPECT_EQ(read_host(ro.path() + "/in"), "data");
}

TEST_F(Filesystem, NestedMountsLandInOrder) {
  TempDir ctx, outer, inner;
  ctx.file("code.py", "x");
  inner.file("in.txt", "inner");
  // Given child first: nucleus mounts parents first, and volumes after the context copy.
  RunResult r = run({"run", "--context", ctx.path(), "-v", inner.path() + ":/data/in:ro", "-v",
                     outer.path() + ":/data", "-v", inner.path() + ":/context/vol:ro", "--", "sh",
                     "-c", "cat /data/in/in.txt /context/vol/in.txt; ls /context | tr '\\n' ' '"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "innerinnercode.py vol ");
}

TEST_F(Filesystem, VolumesAreNotExecutable) {
  TempDir rw;
  std::filesystem::copy_file("/usr/bin/true", rw.path() + "/t");
  RunResult r = run({"run", "-v", rw.path() + ":/data", "--", "sh", "-c", "/data/t; echo $?"});
  EXPECT_EQ(r.out, "126\n") << r.err;
}

TEST_F(Filesystem, TmpfsWithSize) {
  RunResult r = run({"run", "--tmpfs", "/scratch:1m", "--", "sh", "-c",
                     "dd if=/dev/zero of=/scratch/f bs=512k count=1 2>/dev/null && echo small;"
                     "dd if=/dev/zero of=/scratch/g bs=1M count=2 2>/dev/null || echo full"});
  EXPECT_EQ(r.out, "small\nfull\n") << r.err;
}

class RootfsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    if (access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    for (const char* d : {"bin", "etc", "proc", "dev", "sys", "tmp"})
      mkdir((root_.path() + "/" + d).c_str(), 0755);
    std::filesystem::copy_file("/bin/busybox", root_.path() + "/bin/busybox");
    chmod((root_.path() + "/bin/busybox").c_str(), 0755);
    symlink("busybox", (root_.path() + "/bin/sh").c_str());
    std::filesystem::copy_file(PROBE_BIN, root_.path() + "/bin/probe");
    chmod((root_.path() + "/bin/probe").c_str(), 0755);
    root_.file("etc/passwd", "root:x:0:0::/:/bin/sh\n");
  }
  TempDir root_;
};

TEST_F(RootfsTest, RunsReadOnlyByDefault) {
  RunResult r = run({"run", "--rootfs", root_.path(), "--memory", "64m", "--", "/bin/probe",
                     "write=/etc/x", "write=/tmp/x", "read=/usr"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["pid"], 1);
  EXPECT_EQ(j["checks"]["write=/etc/x"], EROFS);
  EXPECT_EQ(j["checks"]["write=/tmp/x"], 0);
  EXPECT_EQ(j["checks"]["read=/usr"], ENOENT);
  EXPECT_EQ(j["seccomp"], "2");
}

TEST_F(RootfsTest, WritableWithRootfsRw) {
  RunResult r = run(
      {"run", "--rootfs", root_.path(), "--rootfs-rw", "--", "/bin/sh", "-c", "echo hi > /etc/x"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_host(root_.path() + "/etc/x"), "hi\n");
}

}  // namespace
}  // namespace nucleus::testing
