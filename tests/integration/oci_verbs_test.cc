// OCI hooks, exec, pause/resume, update, events, the console socket and device rules.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "cgroup/layout.h"
#include "oci.h"
#include "process/sync.h"

namespace nucleus::testing {
namespace {

using OciVerbs = Oci;

// A hook that logs its kind and keeps the state it was given.
nlohmann::json logging_hook(const std::string& dir, const std::string& kind) {
  return {{"path", "/bin/sh"},
          {"args",
           {"sh", "-c",
            "cat > " + dir + "/" + kind + ".json; echo " + kind + " >> " + dir + "/order"}}};
}

TEST_F(OciVerbs, EveryHookRunsInOrderWithTheState) {
  std::string logs = dir_.path() + "/hooks";
  std::filesystem::create_directories(logs);
  config_["process"]["args"] = {"sh", "-c", "sleep 100; true"};
  config_["root"]["readonly"] = false;
  auto& h = config_["hooks"];
  for (const char* kind : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"})
    h[kind] = {logging_hook(logs, kind)};
  // startContainer runs inside the container, after pivot_root: its own sh, its own /tmp. It
  // runs after `start` has returned (as with runc), so the file appears whole, by a rename.
  h["startContainer"] = {{{"path", "/bin/sh"},
                          {"args",
                           {"sh", "-c",
                            "cat > /tmp/start.part && mv /tmp/start.part "
                            "/tmp/startContainer.json"}}}};
  RunResult c = create("hooked");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(slurp_file(logs + "/order"), "prestart\ncreateRuntime\ncreateContainer\n");
  auto created = nlohmann::json::parse(slurp_file(logs + "/createRuntime.json"));
  EXPECT_EQ(created["id"], "hooked");
  EXPECT_EQ(created["status"], "creating");
  EXPECT_EQ(created["bundle"], bundle_);
  EXPECT_GT(created["pid"].get<int>(), 0);
  EXPECT_EQ(oci({"start", "hooked"}).code, 0);
  EXPECT_EQ(slurp_file(logs + "/order"), "prestart\ncreateRuntime\ncreateContainer\npoststart\n");
  EXPECT_EQ(nlohmann::json::parse(slurp_file(logs + "/poststart.json"))["status"], "running");
  std::string inside = bundle_ + "/rootfs/tmp/startContainer.json";
  ASSERT_TRUE(appears(inside));
  EXPECT_EQ(nlohmann::json::parse(slurp_file(inside))["id"], "hooked");
  EXPECT_EQ(oci({"delete", "--force", "hooked"}).code, 0);
  EXPECT_EQ(slurp_file(logs + "/order"),
            "prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop\n");
  EXPECT_EQ(nlohmann::json::parse(slurp_file(logs + "/poststop.json"))["status"], "stopped");
}

TEST_F(OciVerbs, AFailingHookFailsCreateAndLeavesNothing) {
  config_["hooks"]["createRuntime"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}};
  RunResult c = create("nohook");
  EXPECT_EQ(c.code, 125);
  EXPECT_NE(c.err.find("createRuntime hook /bin/sh: exit status 3"), std::string::npos) << c.err;
  EXPECT_EQ(oci({"state", "nohook"}).code, 125);
  // A hook that does not end in its timeout: killed, and the same.
  config_["hooks"]["createRuntime"] = {
      {{"path", "/bin/sh"}, {"args", {"sh", "-c", "sleep 30"}}, {"timeout", 1}}};
  c = create("slowhook");
  EXPECT_EQ(c.code, 125);
  EXPECT_NE(c.err.find("timed out after 1 s"), std::string::npos) << c.err;
}

TEST_F(OciVerbs, ExecJoinsTheContainer) {
  config_["process"]["args"] = {"sh", "-c", "sleep 100; true"};
  config_["hostname"] = "inside";
  ASSERT_EQ(create("target").code, 0);
  ASSERT_EQ(oci({"start", "target"}).code, 0);
  // A process.json, as the engines pass it.
  nlohmann::json process = config_["process"];
  process["args"] = {"sh", "-c", "echo $WHO; hostname; cat /proc/self/status | grep CapEff"};
  process["env"] = {"PATH=/bin", "WHO=process-json"};
  process["capabilities"] = {
      {"bounding", {"CAP_KILL"}}, {"effective", {"CAP_KILL"}}, {"permitted", {"CAP_KILL"}}};
  std::string file = dir_.path() + "/process.json";
  std::ofstream(file) << process.dump();
  RunResult e = oci({"exec", "--process", file, "target"});
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.out, "process-json\ninside\nCapEff:\t0000000000000020\n");
  // The command line's form, its exit code, --cwd and --env.
  e = oci(
      {"exec", "--env", "A=b", "--cwd", "/tmp", "target", "sh", "-c", "echo $A $(pwd); exit 5"});
  EXPECT_EQ(e.code, 5) << e.err;
  EXPECT_EQ(e.out, "b /tmp\n");
  // --detach with a pid file: the process lives on in the container's PID namespace.
  std::string pidfile = dir_.path() + "/exec.pid";
  // It keeps the caller's output: run with files, not pipes that would stay open.
  e = run_to_files(
      {"--root", root_, "exec", "--detach", "--pid-file", pidfile, "target", "sleep", "50"},
      dir_.path() + "/exec.out", dir_.path() + "/exec.err");
  EXPECT_EQ(e.code, 0) << e.err;
  pid_t pid = std::stoi(slurp_file(pidfile));
  auto state = nlohmann::json::parse(oci({"state", "target"}).out);
  std::string init_ns =
      std::filesystem::read_symlink("/proc/" + std::to_string(state["pid"].get<int>()) + "/ns/pid");
  EXPECT_EQ(std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/pid"), init_ns);
  EXPECT_EQ(nlohmann::json::parse(oci({"ps", "--format", "json", "target"}).out).size(), 3u);
  RunResult bad = oci({"exec", "target", "/no/such/program"});
  EXPECT_EQ(bad.code, 127) << bad.err;
  // The detached process is this test's child now (as subreaper, as an engine's shim would be):
  // it reaps it, or the container's init could not finish dying.
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_EQ(oci({"delete", "--force", "target"}).code, 0);
  EXPECT_EQ(oci({"exec", "target", "true"}).code, 125);
}

TEST_F(OciVerbs, PauseResumeUpdateAndStats) {
  config_["process"]["args"] = {"sh", "-c", "sleep 100; true"};
  config_["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
  ASSERT_EQ(create("res").code, 0);
  ASSERT_EQ(oci({"start", "res"}).code, 0);
  EXPECT_EQ(oci({"pause", "res"}).code, 0);
  EXPECT_EQ(status("res"), "paused");
  EXPECT_EQ(oci({"pause", "res"}).code, 125);  // already
  EXPECT_EQ(oci({"resume", "res"}).code, 0);
  EXPECT_EQ(status("res"), "running");
  std::string cg = config_["linux"]["cgroupsPath"];
  auto limit = [&]() {
    return cgroup_v2() ? slurp_file("/sys/fs/cgroup" + cg + "/memory.max")
                       : slurp_file("/sys/fs/cgroup/memory" + cg + "/memory.limit_in_bytes");
  };
  EXPECT_EQ(limit(), std::to_string(64 << 20) + "\n");
  std::string res = dir_.path() + "/resources.json";
  std::ofstream(res) << R"({"memory": {"limit": 134217728}, "pids": {"limit": 50}})";
  RunResult u = oci({"update", "--resources", res, "res"});
  EXPECT_EQ(u.code, 0) << u.err;
  EXPECT_EQ(limit(), "134217728\n");
  u = oci({"update", "--memory", "96m", "res"});
  EXPECT_EQ(u.code, 0) << u.err;
  EXPECT_EQ(limit(), std::to_string(96 << 20) + "\n");
  EXPECT_EQ(oci({"update", "--memory", "lots", "res"}).code, 125);
  auto ev = nlohmann::json::parse(oci({"events", "--stats", "res"}).out);
  EXPECT_EQ(ev["type"], "stats");
  EXPECT_GE(ev["data"]["pids"]["current"].get<int>(), 2);
  EXPECT_EQ(oci({"delete", "--force", "res"}).code, 0);
}

// --preserve-fds N and $LISTEN_FDS: the engine's descriptors 3.. reach the process; nothing
// else does, and a count beyond the open descriptors is refused.
TEST_F(OciVerbs, PreservedDescriptorsArePassedOn) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  RunOptions fd3;
  fd3.stray_fd = w.get();
  fd3.stray_as = 3;
  auto read_all = [&] {
    w.reset();
    std::string got;
    char buf[256];
    for (ssize_t n; (n = read(r.get(), buf, sizeof buf)) > 0;)
      got.append(buf, static_cast<size_t>(n));
    return got;
  };
  config_["process"]["args"] = {"sh", "-c", "echo init >&3; echo $LISTEN_FDS $LISTEN_PID"};
  write_config();
  RunResult run = oci({"run", "--bundle", bundle_, "--preserve-fds", "1", "pass"}, fd3);
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "\n");  // no LISTEN_FDS given
  // systemd's socket activation: LISTEN_FDS=1 passes fd 3 and says so.
  RunOptions listen = fd3;
  listen.env = {"LISTEN_FDS=1"};
  run = oci({"run", "--bundle", bundle_, "listen"}, listen);
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "1 1\n");

  config_["process"]["args"] = {"sh", "-c", "sleep 100; true"};
  ASSERT_EQ(create("target").code, 0);
  ASSERT_EQ(oci({"start", "target"}).code, 0);
  RunResult e = oci({"exec", "--preserve-fds", "1", "target", "sh", "-c", "echo exec >&3"}, fd3);
  EXPECT_EQ(e.code, 0) << e.err;
  // Without the flag, the same descriptor stays out.
  e = oci({"exec", "target", "sh", "-c", "echo leaked >&3"}, fd3);
  EXPECT_NE(e.code, 0);
  e = oci({"exec", "--preserve-fds", "2", "target", "true"}, fd3);
  EXPECT_EQ(e.code, 125);
  EXPECT_NE(e.err.find("--preserve-fds: descriptor 4 is not open"), std::string::npos) << e.err;
  EXPECT_EQ(oci({"delete", "--force", "target"}).code, 0);
  EXPECT_EQ(read_all(), "init\ninit\nexec\n");
}

// process.terminal: the pty master goes to the engine's console socket.
TEST_F(OciVerbs, ConsoleSocketGetsThePtyMaster) {
  std::string path = dir_.path() + "/console.sock";
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.c_str(), path.size());
  ASSERT_EQ(bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(l, 1), 0);
  config_["process"]["terminal"] = true;
  config_["process"]["args"] = {"/probe"};
  RunResult missing = create("tty-no-socket");
  EXPECT_EQ(missing.code, 125);
  EXPECT_NE(missing.err.find("--console-socket"), std::string::npos) << missing.err;
  RunResult c = create("tty", {"--console-socket", path});
  ASSERT_EQ(c.code, 0) << c.err;
  int conn = accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(conn, 0);
  char name[64];
  UniqueFd master;
  ASSERT_GT(process::receive_with_fd(conn, name, sizeof name, &master), 0);
  ASSERT_TRUE(master);
  EXPECT_EQ(oci({"start", "tty"}).code, 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(master.get(), buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  EXPECT_NE(out.find("\"isatty0\":1"), std::string::npos) << out;
  EXPECT_TRUE(becomes("tty", "stopped"));
  EXPECT_EQ(oci({"delete", "tty"}).code, 0);
  close(conn);
  close(l);
}

// Device rules hold on v1 (the devices controller) and v2 (the eBPF program) alike: even with
// CAP_MKNOD, a node of a device that no rule allows cannot be opened.
TEST_F(OciVerbs, DeviceRulesKeepOtherDevicesOut) {
  config_["process"]["args"] = {"/probe", "devopen=c:1:3", "devopen=c:1:1", "devopen=b:7:0"};
  for (const char* set : {"bounding", "effective", "permitted"})
    config_["process"]["capabilities"][set].push_back("CAP_MKNOD");
  config_["root"]["readonly"] = false;
  std::string out = run_to_end("devices");
  auto j = nlohmann::json::parse(out.substr(out.find('{')));
  EXPECT_EQ(j["checks"]["devopen=c:1:3"], 0);      // /dev/null: allowed
  EXPECT_EQ(j["checks"]["devopen=c:1:1"], EPERM);  // /dev/mem: not
  EXPECT_EQ(j["checks"]["devopen=b:7:0"], EPERM);  // a loop device: not
}

}  // namespace
}  // namespace nucleus::testing
