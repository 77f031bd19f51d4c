#include "spec/run_flags.h"

#include "helpers.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <map>

namespace nucleus::spec {
namespace {

using testing::test_caller;

RunFlags cmd(std::vector<std::string> c = {"true"}) {
  RunFlags f;
  f.command = std::move(c);
  return f;
}

TEST(RunFlags, Defaults) {
  auto s = from_run_flags(cmd(), test_caller());
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s->hostname, "aaaaaaaaaaaa");
  EXPECT_EQ(s->process.cwd, "/");
  EXPECT_FALSE(s->user_namespace);
  EXPECT_TRUE(s->rootfs.empty());
  EXPECT_TRUE(s->process.cap_keep.empty());
  EXPECT_EQ(s->resources.pids, kDefaultPids);
  EXPECT_FALSE(s->resources.memory);
  EXPECT_FALSE(s->explicit_resources);
  EXPECT_EQ(s->cgroup_path, "/nucleus/" + std::string(64, 'a'));
  // Default rlimits never exceed the caller's hard limit.
  bool nofile = false;
  for (const auto& r : s->rlimits) {
    if (r.resource == RLIMIT_NOFILE) {
      nofile = true;
      EXPECT_EQ(r.soft, 1024u);
      EXPECT_EQ(r.hard, 20000u);
    }
  }
  EXPECT_TRUE(nofile);
}

TEST(RunFlags, NonRootCallerGetsAUserNamespace) {
  Caller c = test_caller();
  c.uid = 1000;
  EXPECT_TRUE(from_run_flags(cmd(), c)->user_namespace);
  RunFlags f = cmd();
  f.user = "5";
  EXPECT_FALSE(from_run_flags(f, c));
}

TEST(RunFlags, Environment) {
  RunFlags f = cmd();
  f.env = {"A=1", "FROM_HOST", "UNSET_ON_HOST", "A=2"};
  f.env_files = {"# c\nB=file\n\n  C=3  \n"};
  auto s = from_run_flags(f, test_caller());
  ASSERT_TRUE(s);
  auto& env = s->process.env;
  auto has = [&](const std::string& kv) {
    return std::find(env.begin(), env.end(), kv) != env.end();
  };
  EXPECT_TRUE(has("A=2"));
  EXPECT_FALSE(has("A=1"));
  EXPECT_TRUE(has("FROM_HOST=h"));
  EXPECT_TRUE(has("B=file"));
  EXPECT_TRUE(has("C=3"));
  EXPECT_TRUE(has("HOME=/root"));
  for (auto& e : env) EXPECT_NE(e.rfind("UNSET_ON_HOST", 0), 0u);
  f.env = {"=x"};
  EXPECT_FALSE(from_run_flags(f, test_caller()));
}

TEST(RunFlags, Resources) {
  RunFlags f = cmd();
  f.memory = "64m";
  f.cpus = "1.5";
  f.cpu_weight = "200";
  f.pids = "100";
  f.io_limits = {"8:0:rbps=1m,wiops=100", "/dev/sda:wbps=2m"};
  auto s = from_run_flags(f, test_caller());
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(*s->resources.memory, 64u << 20);
  EXPECT_FALSE(s->resources.memory_swap);
  EXPECT_EQ(*s->resources.cpu_quota, 150000u);
  EXPECT_EQ(s->resources.cpu_period, 100000u);
  EXPECT_EQ(*s->resources.cpu_weight, 200u);
  EXPECT_EQ(*s->resources.pids, 100u);
  ASSERT_EQ(s->resources.io.size(), 2u);
  EXPECT_EQ(s->resources.io[0].major, 8u);
  EXPECT_EQ(s->resources.io[0].rbps, 1u << 20);
  EXPECT_EQ(s->resources.io[0].wiops, 100u);
  EXPECT_EQ(s->resources.io[1].device, "/dev/sda");
  EXPECT_TRUE(s->explicit_resources);

  f.memory_swap = "-1";
  EXPECT_EQ(*from_run_flags(f, test_caller())->resources.memory_swap, -1);
  f.memory_swap = "128m";
  EXPECT_EQ(*from_run_flags(f, test_caller())->resources.memory_swap, 128 << 20);
}

TEST(RunFlags, ImpossibleLimitsAreRefused) {
  for (auto [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"memory", "1k"},
                                                        {"memory", "x"},
                                                        {"cpus", "0.001"},
                                                        {"cpus", "5"},
                                                        {"pids", "0"},
                                                        {"cpu_weight", "0"},
                                                        {"memory_swap", "1g"}}) {
    RunFlags f = cmd();
    if (flag == "memory") f.memory = value;
    if (flag == "cpus") f.cpus = value;
    if (flag == "pids") f.pids = value;
    if (flag == "cpu_weight") f.cpu_weight = value;
    if (flag == "memory_swap") f.memory_swap = value;
    EXPECT_FALSE(from_run_flags(f, test_caller())) << flag << "=" << value;
  }
}

TEST(RunFlags, Volumes) {
  RunFlags f = cmd();
  f.volumes = {"/src:/dst//sub/:ro", "/a:/b"};
  f.tmpfs = {"/scratch:64m"};
  auto s = from_run_flags(f, test_caller());
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s->volumes[0].destination, "/dst/sub");
  EXPECT_TRUE(s->volumes[0].readonly);
  EXPECT_FALSE(s->volumes[1].readonly);
  EXPECT_EQ(s->tmpfs[0].size, 64u << 20);
  for (const char* bad : {"/src", "src:/d", "/s:d", "/s:/usr", "/s:/usr/local", "/s:/proc/1",
                          "/s:/dev/x", "/s:/", "/s:/etc", "/s:/x:rwx", "/s:/a/../b"}) {
    RunFlags b = cmd();
    b.volumes = {bad};
    EXPECT_FALSE(from_run_flags(b, test_caller())) << bad;
  }
  EXPECT_TRUE(is_system_destination("/lib64/x"));
  EXPECT_FALSE(is_system_destination("/library"));
  EXPECT_FALSE(is_system_destination("/etc/app"));
}

TEST(RunFlags, Secrets) {
  RunFlags f = cmd();
  f.secrets = {"/keys/db_pass", "/keys/k:/run/secrets/api.key", "/keys/k:token"};
  auto s = from_run_flags(f, test_caller());
  ASSERT_TRUE(s) << s.error().what();
  ASSERT_EQ(s->secrets.size(), 3u);
  EXPECT_EQ(s->secrets[0].name, "db_pass");
  EXPECT_EQ(s->secrets[1].name, "api.key");
  EXPECT_EQ(s->secrets[1].source, "/keys/k");
  EXPECT_EQ(s->secrets[2].name, "token");
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"keys/k"}, {"/k:a/b"}, {"/k:.."}, {"/k:"}, {"/k:/etc/k"}, {"/a/k", "/b/k"}}) {
    RunFlags b = cmd();
    b.secrets = bad;
    EXPECT_FALSE(from_run_flags(b, test_caller())) << bad[0];
  }
}

TEST(RunFlags, ContextAndWorkdir) {
  RunFlags f = cmd();
  f.context = "/work/project";
  auto s = from_run_flags(f, test_caller());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->process.cwd, "/context");
  EXPECT_EQ(s->context->mode, ContextMode::kCopy);
  f.context_mode = "bind";
  EXPECT_EQ(from_run_flags(f, test_caller())->context->mode, ContextMode::kBind);
  f.context_mode = "rsync";
  EXPECT_FALSE(from_run_flags(f, test_caller()));
  RunFlags v = cmd();
  v.context = "/x";
  v.volumes = {"/y:/context"};
  EXPECT_FALSE(from_run_flags(v, test_caller()));
}

TEST(RunFlags, UserCapsNamesAndCommand) {
  RunFlags f = cmd();
  f.user = "1000:2000";
  f.cap_add = {"net_bind_service", "CAP_CHOWN", "CHOWN"};
  f.name = "agent-1.x_y";
  auto s = from_run_flags(f, test_caller());
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s->process.user.uid, 1000u);
  EXPECT_EQ(s->process.user.gid, 2000u);
  EXPECT_EQ(s->process.cap_keep, (std::vector<int>{10, 0}));
  for (const char* bad : {"x", "1:2:3", "-1", ":5"}) {
    RunFlags b = cmd();
    b.user = bad;
    EXPECT_FALSE(from_run_flags(b, test_caller())) << bad;
  }
  RunFlags c = cmd();
  c.cap_add = {"CAP_FLY"};
  EXPECT_FALSE(from_run_flags(c, test_caller()));
  RunFlags n = cmd();
  n.name = "has space";
  EXPECT_FALSE(from_run_flags(n, test_caller()));
  EXPECT_FALSE(from_run_flags(cmd({}), test_caller()));
}

}  // namespace
}  // namespace nucleus::spec
