// The default policy still runs ordinary programs.
#include <unistd.h>

#include "harness.h"

namespace nucleus::testing {
namespace {

class Programs : public IntegrationTest {
 protected:
  bool missing(const char* path) { return access(path, X_OK) != 0; }
};

TEST_F(Programs, ShellPipeline) {
  RunResult r =
      run({"run", "--", "sh", "-c", "seq 1 100 | grep 7 | sort -r | head -n 2 | tr '\\n' ,"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "97,87,");
}

TEST_F(Programs, Python) {
  if (missing("/usr/bin/python3")) GTEST_SKIP() << "python3 is not installed";
  RunResult r =
      run({"run", "--", "python3", "-c",
           "import json, sqlite3, ssl, subprocess, tempfile, threading\n"
           "with tempfile.NamedTemporaryFile() as f: pass\n"
           "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
           "print(subprocess.run(['echo', 'sub'], capture_output=True).stdout.decode().strip())"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "sub\n");
}

TEST_F(Programs, GccCompilesAndRunsInTheContext) {
  if (missing("/usr/bin/gcc")) GTEST_SKIP() << "gcc is not installed";
  TempDir ctx;
  ctx.file("hello.c", "#include <stdio.h>\nint main(void){puts(\"compiled\");return 7;}\n");
  RunResult r =
      run({"run", "--context", ctx.path(), "--", "sh", "-c", "gcc hello.c -o hello && ./hello"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out, "compiled\n");
}

TEST_F(Programs, Git) {
  if (missing("/usr/bin/git")) GTEST_SKIP() << "git is not installed";
  RunResult r =
      run({"run", "--", "sh", "-c",
           "cd /tmp && git init -q repo && cd repo && echo a > f && git add f && "
           "git -c user.email=a@b -c user.name=n commit -qm first && git log --format=%s"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "first\n");
}

TEST_F(Programs, TcpServerOnLoopback) {
  auto j = probe({}, {"listen=8080"});
  EXPECT_EQ(j["checks"]["listen=8080"], 0);
}

}  // namespace
}  // namespace nucleus::testing
