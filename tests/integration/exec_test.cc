// exec into a running container: the same namespaces, cgroup and policies as its init; and cp
// in and out of it without ever following a symlink out of its root.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "detached.h"

namespace nucleus::testing {
namespace {

class Exec : public IntegrationTest {};

TEST_F(Exec, JoinsTheContainerUnderItsPolicies) {
  std::string id = start_with_probe({"--hostname", "box", "--memory", "64m"});
  RunResult raw;
  auto j = exec_probe(id, {}, {"write=/tmp/x", "write=/usr/x", "syscall=mount", "exit=0"}, &raw);
  EXPECT_EQ(raw.code, 0) << raw.err;
  EXPECT_EQ(j["hostname"], "box");
  EXPECT_GT(j["pid"].get<int>(), 1);  // a new process in the container's PID namespace
  EXPECT_EQ(j["ppid"], 0);            // its parent, nucleus exec, is outside
  EXPECT_EQ(j["cap_eff"], "0000000000000000");
  EXPECT_EQ(j["cap_bnd"], "0000000000000000");
  EXPECT_EQ(j["no_new_privs"], "1");
  EXPECT_EQ(j["seccomp"], "2");
  // Inside the container's cgroup namespace, at its root, in every hierarchy.
  std::string cg = j["cgroup"];
  for (size_t nl = cg.find('\n'); nl != std::string::npos; nl = cg.find('\n', nl + 1))
    EXPECT_EQ(cg.substr(nl - 2, 2), ":/") << cg;
  EXPECT_EQ(j["checks"]["write=/tmp/x"], 0);
  EXPECT_NE(j["checks"]["write=/usr/x"], 0);  // Landlock and the read-only root hold
  EXPECT_NE(j["checks"]["syscall=mount"], 0);
  // It sees what the init's world holds: the file written above, the same namespaces.
  EXPECT_EQ(run({"exec", id, "cat", "/tmp/x"}).out, "x");
  pid_t init = nlohmann::json::parse(run({"inspect", id}).out)[0]["state"]["pid"];
  for (const char* ns : {"mnt", "net", "pid", "uts", "ipc", "cgroup"}) {
    std::string inside = run({"exec", id, "readlink", std::string("/proc/self/ns/") + ns}).out;
    char host[256] = {};
    readlink(("/proc/" + std::to_string(init) + "/ns/" + ns).c_str(), host, sizeof host - 1);
    EXPECT_EQ(trim(inside), host) << ns;
  }
  run({"rm", "-f", id});
}

TEST_F(Exec, ExitCodesEnvWorkdirUser) {
  std::string id = start_with_probe();
  EXPECT_EQ(run({"exec", id, "sh", "-c", "exit 7"}).code, 7);
  EXPECT_EQ(run({"exec", id, "/nonexistent"}).code, 127);
  EXPECT_EQ(run({"exec", id, "/etc"}).code, 126);
  EXPECT_EQ(run({"exec", id, "sh", "-c", "kill -9 $$"}).code, 137);
  EXPECT_EQ(run({"exec", "-e", "A=b", id, "sh", "-c", "echo $A"}).out, "b\n");
  EXPECT_EQ(run({"exec", "-w", "/tmp", id, "pwd"}).out, "/tmp\n");
  EXPECT_EQ(run({"exec", "-u", "1000:1001", id, "id", "-u"}).out, "1000\n");
  EXPECT_EQ(run({"exec", "-u", "1000:1001", id, "id", "-g"}).out, "1001\n");
  RunOptions in;
  in.pass_stdin = true;
  in.stdin_data = "piped\n";
  EXPECT_EQ(run({"exec", "-i", id, "cat"}, in).out, "piped\n");
  EXPECT_EQ(run({"exec", id, "cat"}, in).out, "");  // without -i: /dev/null
  run({"rm", "-f", id});
}

TEST_F(Exec, TerminalAndDetach) {
  std::string id = start_with_probe();
  RunResult t = run_on_terminal({"exec", "-t", id, "sh", "-c", "tty; stty size"}, 33, 101);
  EXPECT_EQ(t.code, 0);
  EXPECT_NE(t.out.find("/dev/pts/"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("33 101"), std::string::npos) << t.out;
  RunResult d = run({"exec", "-d", id, "sh", "-c", "sleep 0.3; touch /tmp/done"});
  EXPECT_EQ(d.code, 0);
  EXPECT_NE(run({"exec", id, "test", "-f", "/tmp/done"}).code, 0);  // -d returned at once
  usleep(600000);
  EXPECT_EQ(run({"exec", id, "test", "-f", "/tmp/done"}).code, 0);
  run({"rm", "-f", id});
}

TEST_F(Exec, SignalsReachTheExecutedCommand) {
  std::string id = start_with_probe();
  RunOptions o;
  o.signal_after_ready = SIGTERM;
  RunResult r = run({"exec", id, "/context/probe", "wait-signal"}, o);
  EXPECT_EQ(r.code, 100 + SIGTERM) << r.err;  // the probe's handler exits 100+N
  run({"rm", "-f", id});
}

TEST_F(Exec, RefusesStoppedAndUnknownContainers) {
  std::string id = start({"--", "true"});
  run({"wait", id});
  RunResult r = run({"exec", id, "true"});
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("exec needs a running container"), std::string::npos) << r.err;
  RunResult unknown = run({"exec", "nosuchthing", "true"});
  EXPECT_EQ(unknown.code, 125);
  EXPECT_NE(unknown.err.find("no such container"), std::string::npos);
  EXPECT_EQ(run({"exec", id}).code, 125);  // no command
  run({"rm", id});
}

TEST_F(Exec, CopyInAndOut) {
  std::string id = start_with_probe();
  TempDir host;
  host.file("tree/a.txt", "alpha");
  host.file("tree/sub/b.txt", "beta", 0600);
  symlink("a.txt", (host.path() + "/tree/link").c_str());
  std::string single = host.file("single.txt", "one file");
  // A file into an existing directory keeps its name; a directory becomes the destination.
  EXPECT_EQ(run({"cp", single, id + ":/tmp"}).code, 0);
  EXPECT_EQ(run({"exec", id, "cat", "/tmp/single.txt"}).out, "one file");
  RunResult dir = run({"cp", host.path() + "/tree", id + ":/tmp/copied"});
  EXPECT_EQ(dir.code, 0) << dir.err;
  EXPECT_EQ(run({"exec", id, "cat", "/tmp/copied/sub/b.txt"}).out, "beta");
  EXPECT_EQ(trim(run({"exec", id, "stat", "-c", "%a", "/tmp/copied/sub/b.txt"}).out), "600");
  EXPECT_EQ(trim(run({"exec", id, "readlink", "/tmp/copied/link"}).out), "a.txt");
  // Out again.
  run({"exec", id, "sh", "-c", "mkdir -p /tmp/out/d && echo made > /tmp/out/d/f"});
  EXPECT_EQ(run({"cp", id + ":/tmp/out", host.path() + "/back"}).code, 0);
  std::ifstream back(host.path() + "/back/d/f");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(back)), {}), "made\n");
  EXPECT_EQ(run({"cp", id + ":/etc/hostname", host.path() + "/hn"}).code, 0);
  EXPECT_TRUE(std::filesystem::exists(host.path() + "/hn"));
  run({"rm", "-f", id});
}

TEST_F(Exec, CopyNeverLeavesTheContainerRoot) {
  std::string id = start_with_probe();
  TempDir host;
  std::string payload = host.file("payload", "evil");
  std::string victim_dir = host.path() + "/victim";
  mkdir(victim_dir.c_str(), 0755);
  // The workload plants symlinks pointing at host paths (which mean nothing inside, but would
  // lead out if a host-side copy followed them).
  run({"exec", id, "ln", "-s", victim_dir, "/tmp/out"});
  run({"exec", id, "ln", "-s", "/", "/tmp/root"});
  RunResult through = run({"cp", payload, id + ":/tmp/out/x"});
  EXPECT_EQ(through.code, 125);
  EXPECT_NE(through.err.find("symlink"), std::string::npos) << through.err;
  RunResult onto = run({"cp", payload, id + ":/tmp/out"});
  EXPECT_EQ(onto.code, 125);
  EXPECT_NE(onto.err.find("symlink"), std::string::npos) << onto.err;
  EXPECT_TRUE(std::filesystem::is_empty(victim_dir));
  RunResult dots = run({"cp", payload, id + ":/tmp/../../../" + host.path().substr(1)});
  EXPECT_EQ(dots.code, 125);
  EXPECT_NE(dots.err.find("outside the container"), std::string::npos) << dots.err;
  RunResult out = run({"cp", id + ":/tmp/root/etc/shadow", host.path() + "/stolen"});
  EXPECT_EQ(out.code, 125);
  EXPECT_FALSE(std::filesystem::exists(host.path() + "/stolen"));
  EXPECT_EQ(run({"cp", payload, id + ":/usr/bin/evil"}).code, 125);  // read-only inside too
  EXPECT_EQ(run({"cp", payload, "relative"}).code, 125);             // no container side
  EXPECT_EQ(run({"cp", payload, id + ":tmp/x"}).code, 125);          // not absolute
  run({"rm", "-f", id});
}

}  // namespace
}  // namespace nucleus::testing
