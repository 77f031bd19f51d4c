// linux.seccomp.listenerPath: the filter's user-notification listener goes, with the container
// process state, to an agent's socket; the agent then answers the notified system calls.
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "oci.h"
#include "process/sync.h"

namespace nucleus::testing {
namespace {

// A seccomp agent: accepts the runtime's connections, keeps each message and listener, and
// fails every notified call with ENOMSG, recording its syscall number.
class Agent {
 public:
  explicit Agent(const std::string& path) {
    listen_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.c_str(), path.size());
    if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_.get(), 4) != 0)
      ADD_FAILURE() << "agent socket " << path << ": " << std::strerror(errno);
    thread_ = std::thread([this] { serve(); });
  }
  ~Agent() {
    stop_ = true;
    thread_.join();
  }

  std::vector<std::string> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::vector<int> syscalls() {
    std::lock_guard lock(mu_);
    return syscalls_;
  }

 private:
  void serve() {
    seccomp_notif_sizes sizes{};
    ::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
    std::vector<char> req_buf(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
    std::vector<char> resp_buf(
        std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)));
    while (!stop_) {
      std::vector<pollfd> fds{{listen_.get(), POLLIN, 0}};
      for (auto& l : listeners_) fds.push_back({l.get(), POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) accept_one();
      for (size_t i = 1; i < fds.size(); i++) {
        if (!(fds[i].revents & POLLIN)) continue;
        std::fill(req_buf.begin(), req_buf.end(), 0);
        auto* req = reinterpret_cast<seccomp_notif*>(req_buf.data());
        if (::ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) continue;
        {
          std::lock_guard lock(mu_);
          syscalls_.push_back(req->data.nr);
        }
        std::fill(resp_buf.begin(), resp_buf.end(), 0);
        auto* resp = reinterpret_cast<seccomp_notif_resp*>(resp_buf.data());
        resp->id = req->id;
        resp->error = -ENOMSG;
        ::ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
      }
    }
  }

  void accept_one() {
    UniqueFd c(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) return;
    char buf[16384];
    UniqueFd listener;
    ssize_t n = process::receive_with_fd(c.get(), buf, sizeof buf, &listener);
    std::lock_guard lock(mu_);
    messages_.emplace_back(buf, n > 0 ? static_cast<size_t>(n) : 0);
    if (listener) listeners_.push_back(std::move(listener));
  }

  UniqueFd listen_;
  std::vector<UniqueFd> listeners_;  // the serving thread's own
  std::mutex mu_;
  std::vector<std::string> messages_;
  std::vector<int> syscalls_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class OciSeccompNotify : public Oci {
 protected:
  void notify_mkdir(const std::string& listener) {
    config_["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"architectures", {"SCMP_ARCH_X86_64"}},
        {"listenerPath", listener},
        {"listenerMetadata", "from-the-test"},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
  }
};

TEST_F(OciSeccompNotify, TheAgentGetsTheListenerAndAnswersTheCalls) {
  std::string path = dir_.path() + "/agent.sock";
  Agent agent(path);
  notify_mkdir(path);
  config_["process"]["args"] = {"sh", "-c", "mkdir /tmp/x 2>&1; echo rc=$?; ls /bin/busybox"};
  std::string out = run_to_end("notified");
  EXPECT_NE(out.find("No message of desired type\nrc=1\n/bin/busybox\n"), std::string::npos) << out;
  auto msgs = agent.messages();
  ASSERT_EQ(msgs.size(), 1u);
  auto m = nlohmann::json::parse(msgs[0]);
  EXPECT_EQ(m["fds"], nlohmann::json({"seccompFd"}));
  EXPECT_EQ(m["metadata"], "from-the-test");
  EXPECT_GT(m["pid"].get<int>(), 0);
  EXPECT_EQ(m["state"]["id"], "notified");
  EXPECT_EQ(m["state"]["pid"], m["pid"]);
  EXPECT_EQ(m["state"]["bundle"], bundle_);
  auto calls = agent.syscalls();
  ASSERT_FALSE(calls.empty());
  for (int nr : calls) EXPECT_TRUE(nr == SYS_mkdir || nr == SYS_mkdirat) << nr;
}

// A process exec'd into the container has a filter of its own, whose listener goes to the
// agent too.
TEST_F(OciSeccompNotify, ExecSendsItsOwnListener) {
  std::string path = dir_.path() + "/agent.sock";
  Agent agent(path);
  notify_mkdir(path);
  config_["process"]["args"] = {"sh", "-c", "sleep 100; true"};
  ASSERT_EQ(create("target").code, 0);
  ASSERT_EQ(oci({"start", "target"}).code, 0);
  RunResult e = oci({"exec", "target", "sh", "-c", "mkdir /tmp/y 2>&1; echo rc=$?"});
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("No message of desired type\nrc=1"), std::string::npos) << e.out;
  EXPECT_EQ(agent.messages().size(), 2u);
  EXPECT_EQ(oci({"delete", "--force", "target"}).code, 0);
}

TEST_F(OciSeccompNotify, NoAgentFailsCreateLeavingNothing) {
  notify_mkdir(dir_.path() + "/nobody.sock");
  config_["process"]["args"] = {"true"};
  RunResult c = create("lonely");
  EXPECT_EQ(c.code, 125);
  EXPECT_NE(c.err.find("linux.seccomp.listenerPath"), std::string::npos) << c.err;
  EXPECT_EQ(split_lines(c.err).size(), 1u) << c.err;
  EXPECT_EQ(oci({"state", "lonely"}).code, 125);
}

}  // namespace
}  // namespace nucleus::testing
