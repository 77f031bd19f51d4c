#include "container/oci_util.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "process/sync.h"
#include "util/fs.h"
#include "util/inherited_fds.h"
#include "util/parse.h"

namespace nucleus::container::oci {

Result<unsigned> preserved_fds(unsigned n, bool listen_fds, std::vector<std::string>* env) {
  unsigned listen = 0;
  if (const char* v = listen_fds ? ::getenv("LISTEN_FDS") : nullptr; v != nullptr && *v) {
    auto count = parse::uint(v, 0, 1024);
    if (!count) return fail_invalid("LISTEN_FDS={}: want a count", v);
    listen = static_cast<unsigned>(*count);
  }
  if (listen > 0) {
    env->push_back(fmt::format("LISTEN_FDS={}", listen));
    env->push_back("LISTEN_PID=1");
  }
  for (unsigned fd = 3; fd < 3 + listen + n; fd++)
    if (static_cast<int>(fd) >= inherited_fds::end())
      return fail_invalid("{}: descriptor {} is not open",
                          fd < 3 + listen ? "LISTEN_FDS" : "--preserve-fds", fd);
  return listen + n;
}

Result<UniqueFd> connect_unix(const std::string& path, const char* what) {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) return fail_errno("socket");
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path)
    return fail_invalid("{} {}: the path is too long", what, path);
  std::memcpy(a.sun_path, path.c_str(), path.size());
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    return fail_errno("{} {}", what, path);
  return s;
}

Result<> send_seccomp_listener(const spec::Seccomp& seccomp, const std::string& state_json,
                               pid_t pid, int listener) {
  const char* what = "config.json: linux.seccomp.listenerPath";
  UniqueFd agent = TRY(connect_unix(seccomp.listener_path, what));
  nlohmann::json msg{{"ociVersion", "1.2.0"},
                     {"fds", {"seccompFd"}},
                     {"pid", pid},
                     {"metadata", seccomp.listener_metadata},
                     {"state", nlohmann::json::parse(state_json)}};
  TRY_CTX(process::send_with_fd(agent.get(), msg.dump(), listener), what);
  return {};
}
namespace {

template <class F>
Result<> with_start_address(const std::string& dir, F&& f) {
  UniqueFd d(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d) return fail_errno("{}", dir);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::string path = fmt::format("/proc/self/fd/{}/{}", d.get(), kStartSocket);
  std::memcpy(a.sun_path, path.c_str(), path.size());
  return f(a);
}

}  // namespace

Result<> bind_start(int sock, const std::string& dir) {
  return with_start_address(dir, [&](const sockaddr_un& a) -> Result<> {
    if (::bind(sock, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      return fail_errno("bind {}/{}", dir, kStartSocket);
    return {};
  });
}

Result<> connect_start(int sock, const std::string& dir) {
  return with_start_address(dir, [&](const sockaddr_un& a) -> Result<> {
    if (::connect(sock, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      return fail_errno("reach the container's init ({}/{})", dir, kStartSocket);
    return {};
  });
}

Result<> write_pid_file(const std::string& path, pid_t pid) {
  auto [dir, name] = fs::split_last(TRY(fs::absolute(path)));
  return fs::write_atomic(dir, name, std::to_string(pid), true);
}

std::string rfc3339(int64_t seconds, int64_t nanos) {
  time_t t = static_cast<time_t>(seconds);
  tm utc{};
  ::gmtime_r(&t, &utc);
  char buf[64];
  ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:09d}Z", buf, nanos);
}

}  // namespace nucleus::container::oci
