// config.json -> Spec: what each field becomes, and the one-line error for each kind of mistake.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cgroup/oci.h"
#include "spec/oci_config.h"

namespace nucleus::spec {
namespace {

using nlohmann::json;

json minimal() {
  return {{"ociVersion", "1.2.0"},
          {"process", {{"args", {"sh"}}, {"cwd", "/"}}},
          {"root", {{"path", "rootfs"}}},
          {"linux", {{"namespaces", {{{"type", "mount"}}, {{"type", "pid"}}}}}}};
}

Result<Spec> parse(const json& config) {
  return from_oci_config(config.dump(), "/bundles/b", "c1");
}

std::string error_of(const json& config) {
  auto s = parse(config);
  return s ? "accepted" : s.error().what();
}

TEST(OciConfig, Minimal) {
  auto s = parse(minimal());
  ASSERT_TRUE(s) << s.error().what();
  ASSERT_TRUE(s->oci);
  EXPECT_EQ(s->oci->root, "/bundles/b/rootfs");
  EXPECT_FALSE(s->oci->root_readonly);
  EXPECT_EQ(s->process.args, std::vector<std::string>{"sh"});
  EXPECT_EQ(s->network.mode, NetworkMode::kHost);  // no network namespace: the caller's
  EXPECT_FALSE(s->user_namespace);
  EXPECT_FALSE(s->security.seccomp);  // the engine decides; none given
  EXPECT_FALSE(s->security.landlock);
  // runc's default device rules follow config.json's (here none).
  ASSERT_FALSE(s->oci->resources.devices.empty());
  EXPECT_EQ(s->oci->resources.devices[0].access, "m");
}

TEST(OciConfig, FieldsAreRead) {
  json c = minimal();
  c["process"]["user"] = {{"uid", 1000}, {"gid", 100}, {"umask", 077}, {"additionalGids", {5, 6}}};
  c["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_FROM_THE_FUTURE"}},
                                  {"effective", {"CAP_KILL"}}};
  c["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 10}, {"hard", 20}}};
  c["process"]["oomScoreAdj"] = 500;
  c["root"] = {{"path", "/abs/root/"}, {"readonly", true}};
  c["hostname"] = "box";
  c["mounts"] = {{{"destination", "/data//x/"},
                  {"type", "bind"},
                  {"source", "/srv"},
                  {"options", {"rbind", "ro"}}}};
  c["linux"]["namespaces"].push_back({{"type", "uts"}});
  c["linux"]["namespaces"].push_back({{"type", "network"}, {"path", "/proc/1/ns/net"}});
  c["linux"]["cgroupsPath"] = "system.slice:crio:c1";
  c["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  c["linux"]["maskedPaths"] = {"/proc/kcore"};
  c["linux"]["personality"] = {{"domain", "LINUX32"}};
  c["linux"]["devices"] = {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}}};
  c["annotations"] = {{"org.example", "v"}};
  auto s = parse(c);
  ASSERT_TRUE(s) << s.error().what();
  const Oci& o = *s->oci;
  EXPECT_EQ(s->process.user.uid, 1000u);
  EXPECT_EQ(o.umask, 077u);
  EXPECT_EQ(o.additional_gids, (std::vector<gid_t>{5, 6}));
  EXPECT_EQ(o.capabilities.bounding, (std::vector<int>{0, 5}));  // unknown CAP_ names left out
  EXPECT_EQ(o.capabilities.effective, (std::vector<int>{5}));
  ASSERT_EQ(s->rlimits.size(), 1u);
  EXPECT_EQ(s->rlimits[0].soft, 10u);
  EXPECT_EQ(o.oom_score_adj, 500);
  EXPECT_EQ(o.root, "/abs/root");
  EXPECT_TRUE(o.root_readonly);
  EXPECT_EQ(s->hostname, "box");
  ASSERT_EQ(o.mounts.size(), 1u);
  EXPECT_EQ(o.mounts[0].destination, "/data/x");
  EXPECT_EQ(s->network.mode, NetworkMode::kNone);
  EXPECT_EQ(o.namespaces.back().path, "/proc/1/ns/net");
  EXPECT_EQ(o.sysctl.at("net.ipv4.ip_forward"), "1");
  EXPECT_EQ(o.personality, 8ul);
  EXPECT_EQ(o.annotations.at("org.example"), "v");
  EXPECT_EQ(o.resources.devices.back().major, 10);  // the listed device is allowed
  EXPECT_EQ(o.resources.devices.back().minor, 229);
}

TEST(OciConfig, MistakesAreOneLineNamingTheField) {
  auto with = [](auto edit) {
    json c = minimal();
    edit(c);
    return error_of(c);
  };
  EXPECT_EQ(error_of("[]"_json), "config.json: want a JSON object");
  EXPECT_EQ(with([](json& c) { c.erase("ociVersion"); }), "config.json: ociVersion: required");
  EXPECT_EQ(with([](json& c) { c["ociVersion"] = "2.0.0"; }),
            "config.json: ociVersion 2.0.0: only 1.x is supported");
  EXPECT_EQ(with([](json& c) { c["process"]["args"] = json::array(); }),
            "config.json: process.args: want a non-empty array of strings");
  EXPECT_EQ(with([](json& c) { c["process"]["env"] = {"NOEQUALS"}; }),
            "config.json: process.env: 'NOEQUALS' is not KEY=VALUE");
  EXPECT_EQ(with([](json& c) { c["process"]["cwd"] = "rel"; }),
            "config.json: process.cwd: want an absolute path, not 'rel'");
  EXPECT_EQ(with([](json& c) {
              c["process"]["user"] = {{"uid", -1}};
            }),
            "config.json: process.user.uid: must not be negative");
  EXPECT_EQ(with([](json& c) {
              c["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 30}, {"hard", 20}}};
            }),
            "config.json: process.rlimits[0]: soft limit 30 above hard 20");
  EXPECT_EQ(with([](json& c) {
              c["process"]["rlimits"] = {{{"type", "RLIMIT_X"}}};
            }),
            "config.json: process.rlimits[0].type: unknown rlimit 'RLIMIT_X'");
  EXPECT_EQ(with([](json& c) {
              c["process"]["capabilities"] = {{"bounding", {"CHOWN!"}}};
            }),
            "config.json: process.capabilities.bounding: unknown capability 'CHOWN!'");
  EXPECT_EQ(with([](json& c) { c.erase("root"); }), "config.json: root: required");
  EXPECT_EQ(with([](json& c) {
              c["mounts"] = {{{"destination", "tmp"}}};
            }),
            "config.json: mounts[0].destination: tmp is not absolute");
  EXPECT_EQ(with([](json& c) {
              c["hooks"] = {{"prestart", {{{"path", "hook"}}}}};
            }),
            "config.json: hooks.prestart[0].path: want an absolute path");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["namespaces"].push_back({{"type", "pidfd"}});
            }),
            "config.json: linux.namespaces[2].type: unknown namespace type 'pidfd'");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["namespaces"].push_back({{"type", "pid"}});
            }),
            "config.json: linux.namespaces[2]: the pid namespace is listed twice");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
            }),
            "config.json: linux.uidMappings: given without a new user namespace");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["namespaces"].push_back({{"type", "user"}});
            }),
            "config.json: linux.uidMappings and gidMappings: required for a new user namespace");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 1}}}};
            }),
            "config.json: linux.timeOffsets: given without a new time namespace");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "q"}}};
            }),
            "config.json: linux.devices[0].type: want c, b, u or p, not 'q'");
  EXPECT_EQ(with([](json& c) { c["linux"]["rootfsPropagation"] = "sideways"; }),
            "config.json: linux.rootfsPropagation: unknown 'sideways'");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["personality"] = {{"domain", "LINUX"}, {"flags", {"SHORT_INODE"}}};
            }),
            "config.json: linux.personality.flags: no flags are supported");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["seccomp"] = {
                  {"defaultAction", "SCMP_ACT_ALLOW"},
                  {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
            }),
            "config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs "
            "linux.seccomp.listenerPath");
  EXPECT_EQ(with([](json& c) {
              c["mounts"] = {{{"destination", "/d"},
                              {"uidMappings", {{{"containerID", 0}, {"hostID", 1}, {"size", 1}}}}}};
            }),
            "config.json: mounts[0]: uidMappings and gidMappings go together");
  EXPECT_EQ(with([](json& c) {
              c["mounts"] = {{{"destination", "/d"},
                              {"uidMappings", {{{"containerID", 0}, {"size", 1}}}},
                              {"gidMappings", json::array()}}};
            }),
            "config.json: mounts[0].uidMappings[0]: containerID, hostID and size are required");
  EXPECT_EQ(with([](json& c) {
              c["linux"]["resources"] = {{"memory", {{"limit", "1g"}}}};
            }),
            "config.json: linux.resources.memory.limit: want an integer");
}

// Landlock, which the runtime spec lacks, comes from annotations (docs/oci.md).
TEST(OciConfig, LandlockAnnotations) {
  namespace ll = security::landlock;
  json c = minimal();
  auto s = parse(c);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->oci->landlock.any());
  c["annotations"] = {{"org.nucleus.landlock", " default, rx:/opt//tool/ rw:/var,r:/etc\trwx:/w"},
                      {"org.nucleus.landlock.scope", "signal, abstract-unix"}};
  s = parse(c);
  ASSERT_TRUE(s) << s.error().what();
  const OciLandlock& l = s->oci->landlock;
  EXPECT_TRUE(l.filesystem);
  EXPECT_TRUE(l.defaults);
  ASSERT_EQ(l.rules.size(), 4u);
  EXPECT_EQ(l.rules[0].path, "/opt/tool");
  EXPECT_EQ(l.rules[0].access, ll::kReadExec);
  EXPECT_EQ(l.rules[1].access, ll::kReadWrite);
  EXPECT_EQ(l.rules[1].access & ll::kExecute, 0u);
  EXPECT_EQ(l.rules[2].access, ll::kRead);
  EXPECT_EQ(l.rules[3].access, ll::kReadWrite | ll::kExecute);
  EXPECT_EQ(l.scopes, ll::kScopeSignal | ll::kScopeAbstractUnix);
  // Scopes alone restrict no file access.
  c["annotations"] = {{"org.nucleus.landlock.scope", "signal"}};
  s = parse(c);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->oci->landlock.filesystem);
  EXPECT_TRUE(s->oci->landlock.any());

  auto error_with = [&](const char* key, const char* value) {
    json bad = minimal();
    bad["annotations"] = {{key, value}};
    return error_of(bad);
  };
  const char* fs = "org.nucleus.landlock";
  EXPECT_EQ(error_with(fs, "w:/tmp"),
            "config.json: annotations.org.nucleus.landlock: access 'w' is not r, rx, rw or rwx");
  EXPECT_EQ(error_with(fs, "defaults"),
            "config.json: annotations.org.nucleus.landlock: 'defaults' is not default or "
            "ACCESS:PATH");
  EXPECT_EQ(error_with(fs, " , "), "config.json: annotations.org.nucleus.landlock: no rule given");
  EXPECT_NE(error_with(fs, "rw:tmp").find("annotations.org.nucleus.landlock: "), std::string::npos);
  EXPECT_EQ(error_with("org.nucleus.landlock.scope", "signals"),
            "config.json: annotations.org.nucleus.landlock.scope: 'signals' is not abstract-unix "
            "or signal");
}

TEST(OciCgroupPath, EveryForm) {
  using cgroup::oci_cgroup_path;
  EXPECT_EQ(*oci_cgroup_path("/a/b", "c1", "/own"), "/a/b");
  EXPECT_EQ(*oci_cgroup_path("a/b", "c1", "/own"), "/own/a/b");
  EXPECT_EQ(*oci_cgroup_path("", "c1", "/own"), "/nucleus-oci/c1");
  EXPECT_EQ(*oci_cgroup_path("kubepods-burstable-pod12.slice:cri-containerd:c1", "c1", "/"),
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/"
            "cri-containerd-c1.scope");
  EXPECT_EQ(*oci_cgroup_path(":libpod:c1", "c1", "/"), "/system.slice/libpod-c1.scope");
  EXPECT_FALSE(oci_cgroup_path("machine:libpod:c1", "c1", "/"));  // not a slice
  EXPECT_FALSE(oci_cgroup_path("/a/../b", "c1", "/"));
}

}  // namespace
}  // namespace nucleus::spec
