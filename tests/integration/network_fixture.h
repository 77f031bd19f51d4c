// The fixture of the network tests: each test runs in a fresh network namespace that plays the
// host, with a fake internet (203.0.113.0/24) in a further namespace behind an "uplink" veth, so
// that no packet can reach this machine's real network. There, 203.0.113.10 and .20 serve TCP
// (serve()) and 203.0.113.53 answers DNS (serve_dns()).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "detached.h"

namespace nucleus::testing {

inline constexpr int kEconnrefused = 111, kEnetunreach = 101, kEperm = 1;

// An A query for argv[1] straight to 203.0.113.53:53; prints "RCODE ANSWERS".
inline constexpr const char* kAskDirectly = R"(
import socket, struct, sys
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
q += b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[1].split(".")) + b"\x00\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(q, ("203.0.113.53", 53))
r = s.recv(512)
print(r[3] & 15, struct.unpack(">H", r[6:8])[0])
)";

inline std::string slurp_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Output of a shell command (in the test's current network namespace).
inline std::string sh_out(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

class Network : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    if (system("command -v ip >/dev/null && command -v nft >/dev/null && "
               "command -v python3 >/dev/null") != 0)
      GTEST_SKIP() << "needs ip(8), nft(8) and python3 to build the fake host and internet";
    host_ns_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(host_ns_, 0);
    ASSERT_EQ(unshare(CLONE_NEWNET), 0);
    sh("ip link set lo up");
    internet_ = in_new_netns();
    ASSERT_GT(internet_, 0);
    sh("ip link add uplink type veth peer name eth0 netns " + std::to_string(internet_));
    sh("ip addr add 203.0.113.1/24 dev uplink && ip link set uplink up");
    ASSERT_EQ(in_internet("sh -c 'ip link set lo up && ip addr add 203.0.113.10/24 dev eth0 && "
                          "ip addr add 203.0.113.20/24 dev eth0 && "
                          "ip addr add 203.0.113.53/24 dev eth0 && "
                          "ip link set eth0 up && ip route add default via 203.0.113.1'"),
              0);
  }

  void TearDown() override {
    for (pid_t p : servers_) stop(p);
    if (internet_ > 0) stop(internet_);
    if (host_ns_ >= 0) {
      EXPECT_EQ(setns(host_ns_, CLONE_NEWNET), 0);
      close(host_ns_);
    }
    IntegrationTest::TearDown();
  }

  static int sh(const std::string& cmd) { return system(cmd.c_str()); }

  // Runs a command line in the fake internet's namespace.
  int in_internet(const std::string& cmdline) {
    return sh("nsenter -t " + std::to_string(internet_) + " -n " + cmdline);
  }

  // A TCP server on ip:port (203.0.113.10 or .20) that answers "hello" and logs each peer's
  // address; the log's path.
  std::string serve(int port, const std::string& ip = "203.0.113.10") {
    std::string log = dir_.path() + "/peers-" + ip + "-" + std::to_string(port);
    std::string code =
        "import socket, sys\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)\n"
        "open(sys.argv[3] + '.ready', 'w').close()\n"
        "while True:\n"
        "    c, a = s.accept(); open(sys.argv[3], 'a').write(a[0] + '\\n')\n"
        "    c.sendall(b'hello\\n'); c.close()\n";
    in_internet_background({"python3", "-c", code, ip, std::to_string(port), log}, log + ".ready");
    return log;
  }

  // The fake DNS server (tests/support/fake_dns.py) on 203.0.113.53, answering from the JSON
  // file records_ ({"name": [["A.B.C.D", ...], TTL]}, read at each query); the questions it was
  // asked go to dns_log_.
  void serve_dns(const std::string& records) {
    set_records(records);
    in_internet_background(
        {"python3", FAKE_DNS, "203.0.113.53", records_, dns_log_, dns_log_ + ".ready"},
        dns_log_ + ".ready");
  }
  void set_records(const std::string& records) { dir_.file("records.json", records); }

  // Container veths on the host, once the kernel has had up to 2 s to remove them with their
  // containers' namespaces (asynchronous after a normal exit).
  static std::string veths_left() {
    std::string left;
    for (int i = 0; i < 200; i++) {
      left = sh_out("ip -o link show | grep nuc | grep -v nucleus0 || true");
      if (left.empty()) break;
      usleep(10000);
    }
    return left;
  }

  // Nothing of nucleus networking is left in the fake host: links, tables, forwarding, state.
  void expect_clean_host() {
    EXPECT_EQ(veths_left(), "");
    EXPECT_EQ(sh_out("ip -o link show | grep -E 'nuc|nucleus' || true"), "");
    EXPECT_EQ(sh_out("nft list tables"), "");
    EXPECT_EQ(slurp_file("/proc/sys/net/ipv4/ip_forward"), "0\n");
  }

  // A detached container on the bridge whose DNS goes through the resolver.
  std::string start_guarded(const std::vector<std::string>& domains,
                            std::vector<std::string> flags = {}) {
    flags.insert(flags.end(), {"--network", "bridge", "--dns", "203.0.113.53"});
    for (const auto& d : domains) flags.insert(flags.end(), {"--egress-allow-domain", d});
    return start_with_probe(flags);
  }

  // The container's events once `want` of them arrived (nflog delivers asynchronously), at most
  // 3 s later.
  static std::vector<nlohmann::json> events(const std::string& id, size_t want) {
    std::vector<nlohmann::json> out;
    for (int i = 0; i < 300; i++) {
      RunResult r = run({"events", id});
      EXPECT_EQ(r.code, 0) << r.err;
      out.clear();
      for (auto line : split_lines(r.out)) out.push_back(nlohmann::json::parse(line));
      if (out.size() >= want) break;
      usleep(10000);
    }
    return out;
  }

  // Processes of the nucleus-nft helper (the guards), found by their executable.
  static int guards_running() {
    int n = 0;
    DIR* d = opendir("/proc");
    while (dirent* e = d ? readdir(d) : nullptr) {
      char exe[4096];
      std::string link = std::string("/proc/") + e->d_name + "/exe";
      ssize_t len = readlink(link.c_str(), exe, sizeof exe - 1);
      if (len <= 0) continue;
      exe[len] = 0;
      std::string path(exe);
      if (path.ends_with("/nucleus-nft") && !process_gone(atoi(e->d_name))) n++;
    }
    if (d) closedir(d);
    return n;
  }

  TempDir dir_;
  std::string records_ = dir_.path() + "/records.json", dns_log_ = dir_.path() + "/dns.log";

 private:
  // Runs argv in the fake internet's namespace until the test ends; waits for `ready` to exist.
  void in_internet_background(const std::vector<std::string>& argv, const std::string& ready) {
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int ns = open(("/proc/" + std::to_string(internet_) + "/ns/net").c_str(), O_RDONLY);
      if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(97);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(98);
    }
    servers_.push_back(pid);
    for (int i = 0; i < 300 && access(ready.c_str(), F_OK) != 0; i++) usleep(10000);
    EXPECT_EQ(access(ready.c_str(), F_OK), 0)
        << "the fake internet's " << argv[1] << " did not start";
  }

  // A process that only holds a new network namespace (the fake internet).
  static pid_t in_new_netns() {
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
      (void)!write(p[1], &ok, 1);
      for (;;) pause();
    }
    close(p[1]);
    char ok = 'n';
    (void)!read(p[0], &ok, 1);
    close(p[0]);
    return ok == 'y' ? pid : -1;
  }

  static void stop(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }

  int host_ns_ = -1;
  pid_t internet_ = -1;
  std::vector<pid_t> servers_;
};

}  // namespace nucleus::testing
