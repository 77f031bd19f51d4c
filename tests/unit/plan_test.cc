// Spec -> Plan without root: mount operations, policies, argv/envp.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "plan/build.h"
#include "security/landlock.h"
#include "spec/run_flags.h"

namespace nucleus::plan {
namespace {

namespace ll = security::landlock;

spec::Spec make_spec(spec::RunFlags f) {
  spec::Caller c;
  c.ncpu = 2;
  c.id = std::string(64, 'b');
  if (f.command.empty()) f.command = {"python3", "-c", "pass"};
  auto s = spec::from_run_flags(f, c);
  EXPECT_TRUE(s) << s.error().what();
  return *s;
}

Host full_host() {
  return Host{7, true, 40, 0, 0};
}

const MountOp* find(const Plan& p, OpKind k, const std::string& path) {
  for (const auto& op : p.mounts)
    if (op.kind == k && op.path == path) return &op;
  return nullptr;
}

size_t index_of(const Plan& p, OpKind k, const std::string& path) {
  for (size_t i = 0; i < p.mounts.size(); i++)
    if (p.mounts[i].kind == k && p.mounts[i].path == path) return i;
  return SIZE_MAX;
}

TEST(Plan, AgentRootLayout) {
  auto p = build(make_spec({}), full_host());
  ASSERT_TRUE(p) << p.error().what();
  const Plan& plan = **p;
  EXPECT_TRUE(plan.root_source.empty());
  const MountOp* usr = find(plan, OpKind::kBind, "usr");
  ASSERT_NE(usr, nullptr);
  EXPECT_EQ(usr->source, "/usr");
  EXPECT_TRUE(usr->attrs & MOUNT_ATTR_RDONLY);
  EXPECT_TRUE(usr->attrs & MOUNT_ATTR_NOSUID);
  EXPECT_TRUE(usr->attrs & MOUNT_ATTR_NODEV);
  EXPECT_NE(find(plan, OpKind::kProc, "proc"), nullptr);
  EXPECT_NE(find(plan, OpKind::kDevpts, "dev/pts"), nullptr);
  EXPECT_NE(find(plan, OpKind::kSysfs, "sys"), nullptr);
  const MountOp* tmp = find(plan, OpKind::kTmpfs, "tmp");
  ASSERT_NE(tmp, nullptr);
  EXPECT_TRUE(tmp->attrs & MOUNT_ATTR_NOEXEC);
  EXPECT_NE(find(plan, OpKind::kWriteFile, "etc/passwd"), nullptr);
  EXPECT_NE(find(plan, OpKind::kMask, "proc/kcore"), nullptr);
  EXPECT_NE(find(plan, OpKind::kReadonly, "proc/sys"), nullptr);
  // /dev/null is bound before anything masks with it; the root turns read-only last.
  EXPECT_LT(index_of(plan, OpKind::kBind, "dev/null"), index_of(plan, OpKind::kMask, "proc/kcore"));
  EXPECT_EQ(plan.mounts.back().kind, OpKind::kRootReadonly);
  // Every path is relative: nothing is resolved against the host's root by accident.
  for (const auto& op : plan.mounts) EXPECT_TRUE(op.path.empty() || op.path[0] != '/') << op.path;
}

TEST(Plan, ExecCandidatesFollowPath) {
  spec::RunFlags f;
  f.command = {"python3"};
  f.env = {"PATH=/opt/bin:/usr/bin"};
  auto p = build(make_spec(f), full_host());
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->exec_candidates,
            (std::vector<std::string>{"/opt/bin/python3", "/usr/bin/python3"}));
  EXPECT_EQ((*p)->argv.back(), nullptr);
  EXPECT_STREQ((*p)->argv[0], "python3");
  f.command = {"/bin/sh"};
  EXPECT_EQ((*build(make_spec(f), full_host()))->exec_candidates,
            std::vector<std::string>{"/bin/sh"});
}

TEST(Plan, LandlockRules) {
  spec::RunFlags f;
  char tmpl[] = "/tmp/nucleus-plantest-XXXXXX";
  std::string vol = mkdtemp(tmpl);
  f.volumes = {vol + ":/data/out", vol + ":/data/in:ro"};
  f.context = vol;
  auto s = make_spec(f);
  auto rules = landlock_rules(s);
  auto access = [&](const std::string& path) -> uint64_t {
    for (auto& r : rules)
      if (r.path == path) return r.access;
    return 0;
  };
  EXPECT_EQ(access("/usr"), ll::kReadExec);
  EXPECT_EQ(access("/etc"), ll::kRead);
  EXPECT_EQ(access("/tmp"), ll::kReadWrite);
  EXPECT_FALSE(access("/tmp") & ll::kExecute);
  EXPECT_EQ(access("/data/out"), ll::kReadWrite);
  EXPECT_EQ(access("/data/in"), ll::kRead);
  EXPECT_EQ(access("/context"), ll::kReadWrite | ll::kExecute);
  EXPECT_EQ(access("/"), ll::kReadDir);
  EXPECT_FALSE(access("/dev") & (ll::kMakeChar | ll::kMakeBlock | ll::kExecute));
  std::filesystem::remove_all(vol);
}

TEST(Plan, LandlockAbiClampsRights) {
  auto rs = ll::make_ruleset(1, {{"/tmp", ll::kReadWrite}, {"/dev", ll::kIoctlDev}});
  EXPECT_EQ(rs.handled, (ll::kMakeSym << 1) - 1);
  ASSERT_EQ(rs.rules.size(), 1u);  // ioctl-only rule: nothing left at ABI 1
  EXPECT_FALSE(rs.rules[0].access & (ll::kRefer | ll::kTruncate));
  EXPECT_EQ(rs.scoped, 0u);
  auto v6 = ll::make_ruleset(6, {});
  EXPECT_TRUE(v6.handled & ll::kIoctlDev);
  EXPECT_EQ(v6.scoped, ll::kScopeAbstractUnix | ll::kScopeSignal);
}

TEST(Plan, MissingSecurityLayersNeedTheFlag) {
  Host h = full_host();
  h.landlock_abi = 0;
  EXPECT_FALSE(build(make_spec({}), h));
  h.landlock_abi = 7;
  h.seccomp = false;
  EXPECT_FALSE(build(make_spec({}), h));
  spec::RunFlags f;
  f.allow_degraded_security = true;
  h.landlock_abi = 0;
  auto p = build(make_spec(f), h);
  ASSERT_TRUE(p);
  EXPECT_TRUE((*p)->seccomp.empty());
  EXPECT_EQ((*p)->landlock.abi, 0);
}

TEST(Plan, ContextCopyExcludesSecrets) {
  for (const char* n : {".git", ".env", ".env.local", ".ssh", "server.pem", "tls.key", "id_rsa",
                        "id_ed25519.pub", ".aws", ".netrc", "cert.p12"})
    EXPECT_TRUE(context_excluded(n)) << n;
  for (const char* n : {"main.py", "env.py", "keys.txt", "README.md", ".github", "gitignore"})
    EXPECT_FALSE(context_excluded(n)) << n;

  char tmpl[] = "/tmp/nucleus-ctxtest-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::filesystem::create_directories(dir + "/src/.git");
  std::ofstream(dir + "/src/app.py") << "x";
  std::ofstream(dir + "/.env") << "SECRET";
  spec::RunFlags f;
  f.context = dir;
  auto p = build(make_spec(f), full_host());
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_NE(find(**p, OpKind::kCopyFile, "context/src/app.py"), nullptr);
  EXPECT_NE(find(**p, OpKind::kMkdir, "context/src"), nullptr);
  EXPECT_EQ(find(**p, OpKind::kCopyFile, "context/.env"), nullptr);
  EXPECT_EQ(find(**p, OpKind::kMkdir, "context/src/.git"), nullptr);
  std::filesystem::remove_all(dir);
}

TEST(Plan, ReadOnlyRootfsNeedsItsMountPoints) {
  char tmpl[] = "/tmp/nucleus-rootfstest-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  spec::RunFlags f;
  f.rootfs = dir;
  auto p = build(make_spec(f), full_host());
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().what().find("has no directory /proc"), std::string::npos);
  f.rootfs_rw = true;
  auto rw = build(make_spec(f), full_host());
  ASSERT_TRUE(rw) << rw.error().what();
  EXPECT_NE(find(**rw, OpKind::kMkdir, "proc"), nullptr);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nucleus::plan
