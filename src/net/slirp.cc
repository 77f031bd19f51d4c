#include "net/slirp.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "util/log.h"
#include "util/pipe.h"

namespace nucleus::net {
namespace {

constexpr const char* kSlirpPaths[] = {"/usr/bin/slirp4netns", "/usr/local/bin/slirp4netns"};
constexpr int kReadyMs = 5000;

Result<std::string> slirp_path() {
  for (const char* p : kSlirpPaths) {
    if (::access(p, X_OK) != 0) continue;
    TRY(process::check_trusted_executable(p));
    return std::string(p);
  }
  return fail_invalid(
      "--network bridge without root needs slirp4netns (apt-get install slirp4netns)");
}

// One request on slirp4netns' API socket (a connection per request, as it wants).
Result<> api(const std::string& socket_path, const nlohmann::json& request) {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  socket_path.copy(sa.sun_path, sizeof sa.sun_path - 1);
  if (!s || ::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return fail_errno("slirp4netns API {}", socket_path);
  std::string text = request.dump();
  if (::write(s.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail_errno("slirp4netns API");
  ::shutdown(s.get(), SHUT_WR);
  std::string reply;
  char buf[4096];
  ssize_t n;
  pollfd p{s.get(), POLLIN, 0};
  while (::poll(&p, 1, kReadyMs) == 1 && (n = ::read(s.get(), buf, sizeof buf)) > 0)
    reply.append(buf, static_cast<size_t>(n));
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_object() && j.contains("return")) return {};
  std::string why = j.is_object() && j.contains("error") ? j["error"].dump() : reply;
  return fail_invalid("slirp4netns: {}", why);
}

}  // namespace

Result<Slirp> Slirp::start(pid_t init, const std::string& dir,
                           const std::vector<spec::Publish>& publish) {
  Slirp s;
  s.socket_ = dir + "/slirp.sock";
  if (s.socket_.size() >= sizeof(sockaddr_un::sun_path))
    return fail_invalid("{}: the state directory's path is too long for a socket", s.socket_);
  ::unlink(s.socket_.c_str());  // a previous run's
  auto [exit_read, exit_write] = TRY(make_pipe());
  s.exit_ = std::move(exit_write);
  auto [ready_read, ready_write] = TRY(make_pipe());
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  s.child_ = TRY(process::spawn(
      {TRY(slirp_path()), "--configure", "--mtu=65520", "--disable-host-loopback", "--exit-fd=3",
       "--ready-fd=4", "--api-socket", s.socket_, std::to_string(init), "tap0"},
      {{null.get(), -1, null.get()}, true, {exit_read.get(), ready_write.get()}}));
  ready_write.reset();
  char c = 0;
  pollfd p{ready_read.get(), POLLIN, 0};
  if (::poll(&p, 1, kReadyMs) != 1 || ::read(ready_read.get(), &c, 1) != 1 || c != '1')
    return fail_invalid("slirp4netns did not configure the container's network");
  for (const auto& pub : publish) {
    nlohmann::json args{{"proto", pub.proto},
                        {"host_addr", pub.host_ip.empty() ? "0.0.0.0" : pub.host_ip},
                        {"host_port", pub.host_port},
                        {"guest_port", pub.container_port}};
    if (auto r = api(s.socket_, {{"execute", "add_hostfwd"}, {"arguments", args}}); !r)
      return fail(r.error().wrap(fmt::format("-p {}:{}", pub.host_port, pub.container_port)));
  }
  log::debug("{:.2f} ms: slirp4netns {} ready", log::elapsed_ms(), s.child_.pid);
  return s;
}

Slirp::~Slirp() {
  if (!child_.pidfd) return;  // moved from
  process::stop(child_);
  ::unlink(socket_.c_str());
}

}  // namespace nucleus::net
