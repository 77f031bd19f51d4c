// The OCI runtime, as an engine drives it: create, start, state, kill, delete, and the checker
// (tests/oci_check) verifying inside the container that each field of config.json was applied.
#include <signal.h>
#include <sys/wait.h>

#include "oci.h"

namespace nucleus::testing {
namespace {

TEST_F(Oci, LifecycleCreatedRunningStopped) {
  config_["process"]["args"] = {"sh", "-c", "echo started; sleep 100; true"};
  std::string pidfile = dir_.path() + "/init.pid";
  RunResult c = create("life", {"--pid-file", pidfile});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(status("life"), "created");
  auto state = nlohmann::json::parse(oci({"state", "life"}).out);
  EXPECT_EQ(state["id"], "life");
  EXPECT_EQ(state["bundle"], bundle_);
  EXPECT_EQ(state["ociVersion"], "1.2.0");
  pid_t pid = state["pid"];
  EXPECT_EQ(slurp_file(pidfile), std::to_string(pid));
  EXPECT_EQ(slurp_file(out_), "");  // not started yet: the command has not run
  RunResult again = oci({"start", "life"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(status("life"), "running");
  for (int i = 0; i < 200 && slurp_file(out_).empty(); i++) usleep(10000);
  EXPECT_EQ(slurp_file(out_), "started\n");
  // A second start, a delete without --force: refused while it runs.
  EXPECT_EQ(oci({"start", "life"}).code, 125);
  RunResult busy = oci({"delete", "life"});
  EXPECT_EQ(busy.code, 125);
  EXPECT_NE(busy.err.find("not stopped"), std::string::npos) << busy.err;
  auto list = nlohmann::json::parse(oci({"list", "--format", "json"}).out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], "running");
  EXPECT_EQ(nlohmann::json::parse(oci({"ps", "--format", "json", "life"}).out).size(), 2u);
  EXPECT_EQ(oci({"kill", "life", "KILL"}).code, 0);
  EXPECT_TRUE(becomes("life", "stopped")) << status("life");
  EXPECT_EQ(oci({"kill", "life", "TERM"}).code, 125);  // nothing left to signal
  EXPECT_EQ(oci({"delete", "life"}).code, 0);
  RunResult gone = oci({"state", "life"});
  EXPECT_EQ(gone.code, 125);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
  EXPECT_EQ(oci({"delete", "--force", "life"}).code, 0);  // absent: nothing to do
}

TEST_F(Oci, RunWaitsAndReturnsTheExitCode) {
  config_["process"]["args"] = {"sh", "-c", "echo out; exit 7"};
  write_config();
  RunResult r = oci({"run", "--bundle", bundle_, "short"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(oci({"state", "short"}).code, 125);  // deleted once it ended
}

TEST_F(Oci, TheDefaultSpecIsApplied) {
  check_with_oci_check();
  std::string out = run_to_end("default");
  EXPECT_NE(out.find("# 0 failed"), std::string::npos) << out;
  EXPECT_EQ(out.find("not ok"), std::string::npos) << out;
}

TEST_F(Oci, EveryProcessAndLinuxFieldIsApplied) {
  check_with_oci_check();
  auto& p = config_["process"];
  p["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {5, 6}}, {"umask", 027}};
  p["cwd"] = "/work/dir";  // missing: made
  p["env"].push_back("NUCLEUS_OCI=yes");
  p["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}},
                       {"effective", {"CAP_KILL"}},
                       {"permitted", {"CAP_KILL", "CAP_NET_RAW"}},
                       {"inheritable", {"CAP_NET_RAW"}},
                       {"ambient", {"CAP_NET_RAW"}}};
  p["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 1000}},
                  {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 0}}};
  p["noNewPrivileges"] = false;
  p["oomScoreAdj"] = 300;
  config_["hostname"] = "oci-host";
  config_["domainname"] = "oci.example";
  config_["root"]["readonly"] = true;
  std::string shared = dir_.path() + "/shared";
  std::filesystem::create_directories(shared);
  config_["mounts"].push_back({{"destination", "/mnt/tmp"},
                               {"type", "tmpfs"},
                               {"source", "tmpfs"},
                               {"options", {"nosuid", "nodev", "noexec", "size=1m", "mode=700"}}});
  config_["mounts"].push_back({{"destination", "/mnt/shared"},
                               {"type", "bind"},
                               {"source", shared},
                               {"options", {"rbind", "ro", "nosuid"}}});
  auto& lx = config_["linux"];
  lx["devices"] = {{{"path", "/dev/mynull"},
                    {"type", "c"},
                    {"major", 1},
                    {"minor", 3},
                    {"fileMode", 0600},
                    {"uid", 1000},
                    {"gid", 1000}},
                   {{"path", "/dev/myfifo"}, {"type", "p"}, {"fileMode", 0644}}};
  lx["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shm_rmid_forced", "1"}};
  lx["personality"] = {{"domain", "LINUX32"}};
  lx["rootfsPropagation"] = "rprivate";
  lx["namespaces"].push_back({{"type", "time"}});
  lx["timeOffsets"] = {{"monotonic", {{"secs", 1000}, {"nanosecs", 0}}}};
  // The allowlist of nucleus spec keeps mkdir: a rule denying it comes first.
  nlohmann::json deny_mkdir = {
      {"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 99}};
  lx["seccomp"]["syscalls"].insert(lx["seccomp"]["syscalls"].begin(), deny_mkdir);
  for (auto [type, file] : {std::pair<const char*, const char*>{"NET", "net"},
                            {"UTS", "uts"},
                            {"IPC", "ipc"},
                            {"PID", "pid"},
                            {"MOUNT", "mnt"},
                            {"CGROUP", "cgroup"},
                            {"TIME", "time"}})
    p["env"].push_back(std::string("HOST_NS_") + type + "=" + ns_inode(file));
  std::string out = run_to_end("fields");
  EXPECT_NE(out.find("# 0 failed"), std::string::npos) << out;
  EXPECT_EQ(out.find("not ok"), std::string::npos) << out;
  // Enough of it was looked at to mean something.
  EXPECT_NE(out.find("linux.devices /dev/mynull uid"), std::string::npos) << out;
  EXPECT_NE(out.find("linux.seccomp mkdir fails with 99"), std::string::npos) << out;
  EXPECT_NE(out.find("linux.namespaces time is new"), std::string::npos) << out;
}

// `crun spec` and `runc spec` list ambient capabilities but no inheritable ones, which the
// kernel cannot raise: the container runs without them, as with crun.
TEST_F(Oci, AmbientCapabilitiesThatCannotBeRaisedAreLeftOut) {
  nlohmann::json three = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  config_["process"]["capabilities"] = {
      {"bounding", three}, {"effective", three}, {"permitted", three}, {"ambient", three}};
  config_["process"]["args"] = {"sh", "-c", "grep -E 'Cap(Amb|Eff)' /proc/self/status"};
  EXPECT_EQ(run_to_end("amb"), "CapEff:\t0000000020000420\nCapAmb:\t0000000000000000\n");
}

// An idmapped bind mount: files owned by 1234 on disk are 5000's inside, and nothing changed
// on the host; "idmap" alone takes the container's own mappings.
TEST_F(Oci, IdmappedBindMountsShowMappedOwners) {
  std::string data = dir_.path() + "/idmapped";
  std::filesystem::create_directories(data);
  std::ofstream(data + "/f") << "x";
  ASSERT_EQ(chown((data + "/f").c_str(), 1234, 1234), 0);
  auto map = [](int from, int to) {
    return nlohmann::json::array({{{"containerID", from}, {"hostID", to}, {"size", 1}}});
  };
  config_["mounts"].push_back({{"destination", "/data"},
                               {"type", "bind"},
                               {"source", data},
                               {"options", {"bind", "ro"}},
                               {"uidMappings", map(1234, 5000)},
                               {"gidMappings", map(1234, 5001)}});
  config_["process"]["args"] = {"sh", "-c", "stat -c '%u %g' /data/f"};
  RunResult c = create("idmapped");
  if (c.code != 0 && c.err.find("cannot idmap") != std::string::npos)
    GTEST_SKIP() << "this kernel cannot idmap " << data << ": " << c.err;
  ASSERT_EQ(c.code, 0) << c.err;
  ASSERT_EQ(oci({"start", "idmapped"}).code, 0);
  EXPECT_TRUE(becomes("idmapped", "stopped"));
  EXPECT_EQ(oci({"delete", "idmapped"}).code, 0);
  EXPECT_EQ(slurp_file(out_), "5000 5001\n");
  struct stat st {};
  ASSERT_EQ(stat((data + "/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);

  // In a user namespace (0-65535 as 100000-165535), "idmap" maps the disk's IDs as the
  // container's own: 1234 on disk is 1234 inside (unmapped, 65534, without it).
  config_["mounts"].back().erase("uidMappings");
  config_["mounts"].back().erase("gidMappings");
  config_["mounts"].back()["options"] = {"bind", "idmap"};
  config_["linux"]["namespaces"].push_back({{"type", "user"}});
  nlohmann::json range = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  config_["linux"]["uidMappings"] = range;
  config_["linux"]["gidMappings"] = range;
  for (auto& e : std::filesystem::recursive_directory_iterator(bundle_ + "/rootfs"))
    lchown(e.path().c_str(), 100000, 100000);
  lchown((bundle_ + "/rootfs").c_str(), 100000, 100000);
  std::filesystem::remove(out_);
  EXPECT_EQ(run_to_end("idmap-userns"), "1234 1234\n");

  // Mappings on a mount that is not a bind, or "idmap" with no mappings anywhere: refused.
  config_["linux"].erase("uidMappings");
  config_["linux"].erase("gidMappings");
  auto& ns = config_["linux"]["namespaces"];
  ns.erase(ns.size() - 1);
  RunResult bad = create("idmap-nomaps");
  EXPECT_EQ(bad.code, 125);
  EXPECT_NE(bad.err.find("idmap needs uidMappings and gidMappings"), std::string::npos) << bad.err;
  config_["mounts"].back() = {{"destination", "/scratch"},
                              {"type", "tmpfs"},
                              {"source", "tmpfs"},
                              {"uidMappings", map(0, 1)},
                              {"gidMappings", map(0, 1)}};
  std::filesystem::remove(dir_.path() + "/create.err");
  bad = create("idmap-tmpfs");
  EXPECT_EQ(bad.code, 125);
  EXPECT_NE(bad.err.find("only bind mounts can be idmapped"), std::string::npos) << bad.err;
}

TEST_F(Oci, UserNamespaceWithMappings) {
  check_with_oci_check();
  config_["linux"]["namespaces"].push_back({{"type", "user"}});
  config_["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  config_["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  // As for any bundle with mappings: the rootfs belongs to the container's root.
  for (auto& e : std::filesystem::recursive_directory_iterator(bundle_ + "/rootfs"))
    lchown(e.path().c_str(), 100000, 100000);
  lchown((bundle_ + "/rootfs").c_str(), 100000, 100000);
  std::string out = run_to_end("userns");
  EXPECT_NE(out.find("ok"), std::string::npos) << out;
  EXPECT_EQ(out.find("not ok"), std::string::npos) << out;
  EXPECT_NE(out.find("linux.uidMappings"), std::string::npos) << out;
}

TEST_F(Oci, NamespacesJoinedByPath) {
  // A process in a network and uts namespace of its own, whose namespaces the container joins.
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t holder = fork();
  if (holder == 0) {
    char ok = unshare(CLONE_NEWNET | CLONE_NEWUTS) == 0 ? 'y' : 'n';
    (void)!write(p[1], &ok, 1);
    pause();
    _exit(0);
  }
  char ok = 0;
  ASSERT_EQ(read(p[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');
  std::string net = "/proc/" + std::to_string(holder) + "/ns/net";
  std::string uts = "/proc/" + std::to_string(holder) + "/ns/uts";
  struct stat st {};
  ASSERT_EQ(stat(net.c_str(), &st), 0);
  std::string net_ino = std::to_string(st.st_ino);
  ASSERT_EQ(stat(uts.c_str(), &st), 0);
  std::string uts_ino = std::to_string(st.st_ino);
  check_with_oci_check();
  for (auto& n : config_["linux"]["namespaces"]) {
    if (n["type"] == "network") n["path"] = net;
    if (n["type"] == "uts") n["path"] = uts;
  }
  config_["process"]["env"].push_back("NS_NETWORK=" + net_ino);
  config_["process"]["env"].push_back("NS_UTS=" + uts_ino);
  std::string out = run_to_end("joined");
  kill(holder, SIGKILL);
  waitpid(holder, nullptr, 0);
  EXPECT_NE(out.find("linux.namespaces network joined by path"), std::string::npos) << out;
  EXPECT_EQ(out.find("not ok"), std::string::npos) << out;
}

}  // namespace
}  // namespace nucleus::testing
