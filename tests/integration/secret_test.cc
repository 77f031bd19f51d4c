// nucleus run --secret SRC[:NAME]: the file at /run/secrets/NAME for the workload's user only,
// on a read-only tmpfs; its contents nowhere else (state, inspect, logs, environment, disk).
#include <sys/stat.h>
#include <unistd.h>

#include "detached.h"

namespace nucleus::testing {
namespace {

constexpr const char* kValue = "s3cret-4f1b";

class Secrets : public IntegrationTest {
 protected:
  TempDir tmp;
};

TEST_F(Secrets, OnlyTheWorkloadsUserReadsThem) {
  std::string src = tmp.file("db_pass", kValue, 0600);
  std::string key = tmp.file("key", "k", 0600);
  RunResult r = run({"run", "--secret", src, "--secret", key + ":/run/secrets/api.key", "-u",
                     "1000:1000", "--", "sh", "-c",
                     "stat -c '%a %u %g %n' /run/secrets/db_pass /run/secrets/api.key; "
                     "cat /run/secrets/db_pass; echo; "
                     "grep ' /run/secrets ' /proc/mounts | tail -n 1 | cut -d' ' -f3,4; "
                     "touch /run/secrets/new 2>/dev/null || echo read-only; env"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_GE(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], "400 1000 1000 /run/secrets/db_pass");
  EXPECT_EQ(lines[1], "400 1000 1000 /run/secrets/api.key");
  EXPECT_EQ(lines[2], kValue);
  EXPECT_EQ(lines[3].substr(0, 26), "tmpfs ro,nosuid,nodev,noex") << lines[3];
  EXPECT_EQ(lines[4], "read-only");
  EXPECT_EQ(r.out.find(kValue, r.out.find(kValue) + 1), std::string::npos)  // not in env
      << r.out;
}

// A detached container: the state, inspect and the log hold the path, never the contents; the
// file goes with the container's mount namespace.
TEST_F(Secrets, NeverInTheStateOrInspect) {
  std::string src = tmp.file("token", kValue, 0600);
  std::string id = start({"--secret", src + ":token", "--", "sh", "-c",
                          "test -s /run/secrets/token && echo present; sleep 30"});
  RunResult in = run({"exec", id, "cat", "/run/secrets/token"});
  EXPECT_EQ(in.out, kValue) << in.err;
  RunResult inspect = run({"inspect", id});
  EXPECT_EQ(inspect.code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("/run/secrets\""), std::string::npos) << "no mount listed";
  EXPECT_NE(inspect.out.find(src), std::string::npos);
  EXPECT_EQ(inspect.out.find(kValue), std::string::npos);
  EXPECT_EQ(run({"logs", id}).out, "present\n");
  std::string state = nlohmann::json::parse(inspect.out)[0]["state_dir"];
  EXPECT_EQ(system(("grep -rqF '" + std::string(kValue) + "' " + state).c_str()) >> 8, 1);
  EXPECT_EQ(run({"rm", "-f", id}).code, 0);
}

TEST_F(Secrets, BadSecretsAreRefused) {
  std::string good = tmp.file("good", kValue, 0600);
  std::string link = tmp.path() + "/link";
  ASSERT_EQ(symlink(good.c_str(), link.c_str()), 0);
  std::string fifo = tmp.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string big = tmp.file("big", std::string((1u << 20) + 1, 'x'));
  for (const auto& [flags, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--secret", link}, "is a symlink, not a regular file"},
           {{"--secret", fifo}, "is a special file, not a regular file"},  // and no hang
           {{"--secret", tmp.path()}, "is a directory, not a regular file"},
           {{"--secret", tmp.path() + "/missing"}, "No such file or directory"},
           {{"--secret", big}, "is larger than 1048576 bytes"},
           {{"--secret", good + ":a/b"}, "the name 'a/b' is not a file name"},
           {{"--secret", good + ":.."}, "the name '..' is not a file name"},
           {{"--secret", good, "--secret", link + ":good"}, "two secrets named good"},
           {{"--secret", good, "-v", tmp.path() + ":/run"}, "secrets have /run/secrets"},
           {{"--secret", good, "--runtime", "gvisor"}, "not with --runtime gvisor"},
           {{"--secret", good, "--rootfs", "/"}, "has no directory /run/secrets"},
       })
    expect_run_refused(flags, needle);
}

}  // namespace
}  // namespace nucleus::testing
