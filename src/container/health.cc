#include "container/health.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/eventfd.h>
#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <thread>

#include "container/event_log.h"
#include "container/root.h"
#include "process/spawn.h"
#include "util/json_text.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/sd_notify.h"

namespace nucleus::container {
namespace {

constexpr size_t kOutputMax = 4096;  // as docker's health log
constexpr int kReadinessPollMs = 100;
constexpr int kTcpProbeMs = 2000;
constexpr int kStopGraceMs = 10000;  // TERM, then KILL, as `nucleus stop`

int64_t now_s() {
  return static_cast<int64_t>(::time(nullptr));
}

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// At most kOutputMax bytes, valid UTF-8 (the state is JSON).
std::string clean_output(std::string text) {
  if (text.size() > kOutputMax) text.resize(kOutputMax);
  return json_text::valid_utf8(text);
}

// `/bin/sh -c CMD` in the container, through `nucleus exec` (the container's own policies).
HealthResult run_inside(const std::string& id, const std::string& cmd, uint64_t timeout_ms) {
  HealthResult r;
  r.start = now_s();
  auto done = process::run_with_input(
      {"/proc/self/exe", "--root", state_root(), "exec", id, "/bin/sh", "-c", cmd}, "",
      static_cast<int>(timeout_ms));
  r.end = now_s();
  if (!done) {
    r.exit_code = -1;
    r.output = done.error().what();
    return r;
  }
  r.exit_code = done->code;
  r.output = clean_output(done->out + done->err);
  if (done->code == -1)
    r.output = fmt::format("the check ran past its timeout of {} ms and was killed", timeout_ms);
  return r;
}

// A connection to 127.0.0.1:port from inside the init's network namespace (a child joins it:
// setns changes the calling thread, and this one must stay on the host).
bool tcp_accepts(int init_pidfd, int port) {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    if (::setns(init_pidfd, CLONE_NEWNET) != 0) ::_exit(2);
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::_exit(s >= 0 && ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : 1);
  }
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  pollfd p{pidfd.get(), POLLIN, 0};
  if (!pidfd || ::poll(&p, 1, kTcpProbeMs) <= 0) ::kill(pid, SIGKILL);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void health_event(const Store& store, const std::string& id, const Health& h) {
  auto e = event(id, "health-status");
  e["status"] = h.status;
  e["failing_streak"] = h.failing_streak;
  if (!h.log.empty()) e["exit_code"] = h.log.back().exit_code;
  append_event(store, id, e);
}

}  // namespace

void reset_checks(const Checks& checks, State& s) {
  s.health = {};
  if (!checks.health.cmd.empty()) s.health.status = "starting";
  s.readiness = checks.readiness.any() ? "waiting" : "";
}

struct CheckRunner::Impl {
  Impl(Store& st, std::string container, const Checks& c, int init, int notify,
       std::function<void()> ready)
      : store(st),
        id(std::move(container)),
        checks(c),
        init_pidfd(init),
        notify_fd(notify),
        on_ready(std::move(ready)) {}

  Store& store;
  std::string id;
  Checks checks;
  int init_pidfd;
  int notify_fd;  // -1, or the service's NOTIFY_SOCKET (--readiness-sd-notify)
  std::function<void()> on_ready;
  std::atomic<bool> unhealthy{false};
  UniqueFd wake{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};  // written when asked to stop
  bool service_ready = false;
  std::jthread thread;

  // Waits ms, relaying what the service tells NOTIFY_SOCKET meanwhile; false when asked to stop.
  bool sleep(const std::stop_token& stop, int64_t ms) {
    int64_t end = now_ms() + ms;
    for (int64_t left = ms; left > 0 && !stop.stop_requested(); left = end - now_ms()) {
      pollfd p[2] = {{wake.get(), POLLIN, 0}, {notify_fd, POLLIN, 0}};
      int n =
          ::poll(p, notify_fd >= 0 ? 2 : 1, static_cast<int>(std::min<int64_t>(left, INT32_MAX)));
      if (n > 0 && (p[1].revents & POLLIN)) relay();
    }
    return !stop.stop_requested();
  }

  // One message from the service: READY=1 makes it ready (nucleus then tells systemd, with its
  // own MAINPID); STATUS=, WATCHDOG=1, RELOADING=1, STOPPING=1 (and later READY=1s) go on as
  // they are. Nothing else does: a MAINPID= or FDSTORE= from inside means nothing outside.
  void relay() {
    char buf[4096];
    ssize_t n = ::recv(notify_fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return;
    std::string passed;
    for (auto line : parse::split(std::string_view(buf, static_cast<size_t>(n)), '\n')) {
      bool ready = line == "READY=1";
      if (ready && !service_ready) {
        service_ready = true;
        continue;
      }
      if (ready || line.starts_with("STATUS=") || line == "WATCHDOG=1" || line == "RELOADING=1" ||
          line == "STOPPING=1")
        passed += std::string(line) + "\n";
    }
    if (!passed.empty()) (void)sd_notify(passed);
  }

  bool ready_now() {
    const auto& r = checks.readiness;
    if (r.sd_notify) return service_ready;
    if (r.tcp_port != 0) return tcp_accepts(init_pidfd, r.tcp_port);
    return run_inside(id, r.exec, checks.health.timeout_ms).exit_code == 0;
  }

  void wait_ready(const std::stop_token& stop) {
    while (!ready_now())
      if (!sleep(stop, kReadinessPollMs)) return;
    if (stop.stop_requested()) return;
    (void)store.modify(
        id, [](State& x) { x.readiness = "ready"; }, /*durable=*/false);
    if (on_ready) on_ready();
  }

  // Records one check; true when the container has just become unhealthy.
  bool record(const HealthResult& r, bool in_start_period) {
    Health now;
    bool changed = false;
    (void)store.modify(
        id,
        [&](State& x) {
          Health& h = x.health;
          std::string before = h.status;
          h.log.push_back(r);
          if (h.log.size() > kHealthLogSize) h.log.erase(h.log.begin());
          if (r.exit_code == 0) {
            h.failing_streak = 0;
            h.status = "healthy";
          } else if (!in_start_period || h.status == "healthy") {
            // Docker: failures in the start period count only once a check has passed.
            h.failing_streak++;
            if (h.failing_streak >= checks.health.retries) h.status = "unhealthy";
          }
          changed = h.status != before;
          now = h;
        },
        /*durable=*/false);
    if (changed) health_event(store, id, now);
    return changed && now.status == "unhealthy";
  }

  void stop_container() {
    unhealthy = true;
    log::warn("container {}: unhealthy after {} failed checks; stopping it", id.substr(0, 12),
              checks.health.retries);
    ::syscall(SYS_pidfd_send_signal, init_pidfd, SIGTERM, nullptr, 0);
    pollfd p{init_pidfd, POLLIN, 0};
    if (::poll(&p, 1, kStopGraceMs) <= 0)
      ::syscall(SYS_pidfd_send_signal, init_pidfd, SIGKILL, nullptr, 0);
  }

  void run(const std::stop_token& stop) {
    int64_t started = now_ms();
    if (checks.readiness.any()) wait_ready(stop);
    const auto& h = checks.health;
    // Without health checks the service's messages are still relayed, until it ends.
    if (h.cmd.empty()) {
      while (notify_fd >= 0 && sleep(stop, 3600 * 1000)) {
      }
      return;
    }
    while (sleep(stop, static_cast<int64_t>(h.interval_ms))) {
      bool in_start = now_ms() - started < static_cast<int64_t>(h.start_period_ms);
      HealthResult r = run_inside(id, h.cmd, h.timeout_ms);
      if (stop.stop_requested()) return;  // the container is gone: no verdict on it
      if (record(r, in_start)) {
        stop_container();
        return;
      }
    }
  }
};

CheckRunner::CheckRunner(Store& store, std::string id, const Checks& checks, int init_pidfd,
                         int notify_fd, std::function<void()> on_ready)
    : impl_(std::make_unique<Impl>(store, std::move(id), checks, init_pidfd, notify_fd,
                                   std::move(on_ready))) {
  if (checks.any()) impl_->thread = std::jthread([this](std::stop_token st) { impl_->run(st); });
}

CheckRunner::~CheckRunner() {
  if (impl_->thread.joinable()) {
    impl_->thread.request_stop();
    uint64_t one = 1;
    (void)!::write(impl_->wake.get(), &one, sizeof one);
    impl_->thread.join();
  }
}

std::string notify_socket_name(const std::string& id) {
  return "@nucleus-notify-" + id;
}

Result<UniqueFd> bind_notify_socket(pid_t init, const std::string& id) {
  // The socket belongs to the namespace it is made in: the thread visits the container's.
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  UniqueFd there(::open(fmt::format("/proc/{}/ns/net", init).c_str(), O_RDONLY | O_CLOEXEC));
  if (!home || !there) return fail_errno("--readiness-sd-notify: the network namespace");
  if (::setns(there.get(), CLONE_NEWNET) != 0)
    return fail_errno("--readiness-sd-notify: enter the container's network namespace");
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  int err = fd ? 0 : errno;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::string name = notify_socket_name(id);
  std::memcpy(a.sun_path, name.data(), name.size());
  a.sun_path[0] = '\0';
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  if (fd && ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), len) != 0) err = errno;
  if (::setns(home.get(), CLONE_NEWNET) != 0) std::abort();  // never left in the container's
  if (err != 0) return fail(Error::from_errno(err, "--readiness-sd-notify: bind {}", name));
  return fd;
}

bool CheckRunner::stopped_unhealthy() const {
  return impl_->unhealthy;
}

}  // namespace nucleus::container
