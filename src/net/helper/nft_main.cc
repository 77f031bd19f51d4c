// nucleus-nft: applies one nftables batch (libnftables JSON, on stdin) in this network namespace
// or in the one given with --netns PATH. libnftables exists only as a shared library, so it
// lives in this small helper that nucleus runs when a ruleset changes, never on a plain start.
// Exit 0 on success; 1 with libnftables' message on one stderr line otherwise.
//
// With --guard DIR, it becomes the container's egress guard (net/guard.h), in the namespace given
// with --netns or, for a gVisor sandbox, in the host's, and stays until killed; "ready" or one
// error line on stderr tells the parent how it started.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>

#include "net/helper/guard_loop.h"
#include "net/helper/nft_ctx.h"

namespace {

int failed(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  return 1;
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

// Without --netns, the guard stays in the host's namespace (a gVisor sandbox's) and gets its
// nflog socket as descriptor 3 and, with a resolver, the resolver's socket as 4.
int guard(int netns, const char* dir_path) {
  nucleus::UniqueFd dir(::open(dir_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return failed(std::string("egress guard: ") + dir_path + ": " + std::strerror(errno));
  // Made before entering the container's namespace: the resolver asks from the host's.
  nucleus::UniqueFd upstream(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!upstream) return failed(std::string("egress guard: socket: ") + std::strerror(errno));
  nucleus::net::guard::Given given;
  if (netns < 0) {
    for (int fd : {3, 4}) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    given.nflog.reset(::fcntl(3, F_GETFD) >= 0 ? 3 : -1);
    given.resolver.reset(::fcntl(4, F_GETFD) >= 0 ? 4 : -1);
    if (!given.nflog) return failed("egress guard: no nflog socket (descriptor 3)");
  } else if (::setns(netns, CLONE_NEWNET) != 0) {
    return failed(std::string("egress guard: setns: ") + std::strerror(errno));
  }
  return nucleus::net::guard::serve(std::move(dir), std::move(upstream), std::move(given),
                                    read_all(0), 2);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kUsage = "usage: nucleus-nft [--netns PATH] [--guard DIR] < batch.json";
  int netns = -1;
  const char* guard_dir = nullptr;
  if (argc % 2 == 0) return failed(kUsage);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--netns") == 0) {
      netns = ::open(argv[i + 1], O_RDONLY | O_CLOEXEC);
      if (netns < 0)
        return failed(std::string("network namespace ") + argv[i + 1] + ": " +
                      std::strerror(errno));
    } else if (std::strcmp(argv[i], "--guard") == 0) {
      guard_dir = argv[i + 1];
    } else {
      return failed(kUsage);
    }
  }
  if (guard_dir != nullptr) return guard(netns, guard_dir);
  if (netns >= 0 && ::setns(netns, CLONE_NEWNET) != 0)
    return failed(std::string("setns: ") + std::strerror(errno));
  nucleus::net::NftContext nft;
  if (!nft.ok()) return failed("nftables: cannot create a context");
  auto r = nft.run(read_all(0));
  if (!r) return failed(r.error().what());
  return 0;
}
