#include "spec/spec_json.h"

#include <gtest/gtest.h>

#include "helpers.h"
#include "spec/run_flags.h"

namespace nucleus::spec {
namespace {

using testing::test_caller;

Spec sample() {
  RunFlags f;
  f.command = {"sh", "-c", "echo \"$X\""};
  f.env = {"X=1"};
  f.memory = "64m";
  f.cpus = "1.5";
  f.volumes = {"/tmp:/data:ro"};
  f.tmpfs = {"/scratch:1m"};
  f.cap_add = {"NET_BIND_SERVICE"};
  f.context = "/tmp";
  f.context_mode = "bind";
  f.network = "backend";
  f.dns = {"10.0.0.53"};
  f.add_hosts = {"db:10.1.2.3"};
  auto s = from_run_flags(f, test_caller());
  EXPECT_TRUE(s) << s.error().what();
  return *s;
}

// --caps-policy's five sets survive the state file (exec and a restart build from it).
TEST(SpecJson, RoundTripsCapabilitySets) {
  Spec s = sample();
  s.process.cap_sets = true;
  s.process.caps = {{0, 10}, {10}, {10}, {0, 10}, {10}};
  auto back = spec_from_json(to_json(s));
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_TRUE(back->process.cap_sets);
  EXPECT_EQ(back->process.caps.bounding, s.process.caps.bounding);
  EXPECT_EQ(back->process.caps.effective, s.process.caps.effective);
  EXPECT_EQ(back->process.caps.inheritable, s.process.caps.inheritable);
  EXPECT_EQ(back->process.caps.permitted, s.process.caps.permitted);
  EXPECT_EQ(back->process.caps.ambient, s.process.caps.ambient);
}

TEST(SpecJson, RoundTripsEverythingExecAndInspectUse) {
  Spec s = sample();
  auto back = spec_from_json(to_json(s));
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->id, s.id);
  EXPECT_EQ(back->process.args, s.process.args);
  EXPECT_EQ(back->process.env, s.process.env);
  EXPECT_EQ(back->process.cap_keep, s.process.cap_keep);
  EXPECT_EQ(back->process.cap_sets, s.process.cap_sets);
  EXPECT_EQ(back->process.cwd, s.process.cwd);
  EXPECT_EQ(back->resources.memory, s.resources.memory);
  EXPECT_EQ(back->resources.cpu_quota, s.resources.cpu_quota);
  EXPECT_FALSE(back->resources.cpu_weight);
  EXPECT_EQ(back->rlimits.size(), s.rlimits.size());
  EXPECT_EQ(back->volumes[0].destination, "/data");
  EXPECT_TRUE(back->volumes[0].readonly);
  ASSERT_TRUE(back->context);
  EXPECT_EQ(back->context->mode, ContextMode::kBind);
  EXPECT_EQ(back->security.landlock, s.security.landlock);
  EXPECT_EQ(back->cgroup_path, s.cgroup_path);
  EXPECT_EQ(back->network.mode, NetworkMode::kBridge);
  EXPECT_EQ(back->network.name, "backend");
  EXPECT_EQ(back->network.dns, s.network.dns);
  ASSERT_EQ(back->network.hosts.size(), 1u);
  EXPECT_EQ(back->network.hosts[0].ip, "10.1.2.3");
}

TEST(SpecJson, CorruptedIsAnError) {
  EXPECT_FALSE(spec_from_json("{"));
  EXPECT_FALSE(spec_from_json("{\"id\": 1}"));
  EXPECT_FALSE(spec_from_json(R"({"id":"x","process":{"args":[]},"resources":{}})"));
}

TEST(ExecFlags, ApplyToTheContainersProcess) {
  Spec s = sample();
  ExecFlags f;
  f.command = {"env"};
  f.env = {"Y=2", "X=3", "FROM_HOST", "UNSET_ON_HOST"};
  f.workdir = "/tmp";
  f.user = "1000:1001";
  f.tty = true;
  auto p = exec_process(s, f, test_caller());
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_EQ(p->args, std::vector<std::string>{"env"});
  EXPECT_EQ(p->cwd, "/tmp");
  EXPECT_EQ(p->user.uid, 1000u);
  EXPECT_EQ(p->user.gid, 1001u);
  EXPECT_TRUE(p->terminal);
  auto has = [&](const std::string& kv) {
    return std::find(p->env.begin(), p->env.end(), kv) != p->env.end();
  };
  EXPECT_TRUE(has("X=3"));  // replaced, not duplicated
  EXPECT_TRUE(has("Y=2"));
  EXPECT_TRUE(has("FROM_HOST=h"));
  EXPECT_TRUE(has("TERM=xterm"));
  EXPECT_EQ(std::count_if(p->env.begin(), p->env.end(),
                          [](const std::string& e) { return e.rfind("X=", 0) == 0; }),
            1);
  EXPECT_EQ(p->cap_keep, s.process.cap_keep);  // the container's policy, unchanged
  f.workdir = "relative";
  EXPECT_FALSE(exec_process(s, f, test_caller()));
  f.workdir.clear();
  f.command.clear();
  EXPECT_FALSE(exec_process(s, f, test_caller()));
  f.command = {"true"};
  f.user = "root";
  EXPECT_FALSE(exec_process(s, f, test_caller()));
  s.user_namespace = true;
  f.user = "5";
  EXPECT_FALSE(exec_process(s, f, test_caller()));  // only root is mapped in a rootless one
}

}  // namespace
}  // namespace nucleus::spec
