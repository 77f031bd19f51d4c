// Attachment's egress guard: nucleus-nft --guard, one per init, started before the workload.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/attach.h"
#include "net/egress.h"
#include "net/guard.h"
#include "net/host_tables.h"
#include "net/ipv4.h"
#include "net/nflog.h"
#include "net/nft.h"
#include "net/resolv.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/pipe.h"

namespace nucleus::net {
namespace {

constexpr int kGuardStartMs = 5000;
// nflog groups of host-side guards (the host's namespace is shared by all of them).
constexpr uint16_t kHostLogGroups = 0x4e00, kHostLogGroupCount = 4096;

// The first line the guard writes: "ready", or why it could not start.
std::string first_line(int fd) {
  std::string line;
  char c;
  pollfd p{fd, POLLIN, 0};
  while (line.size() < 1024 && ::poll(&p, 1, kGuardStartMs) == 1 && ::read(fd, &c, 1) == 1 &&
         c != '\n')
    line.push_back(c);
  return line.empty() ? "egress guard: no answer" : line;
}

}  // namespace

Result<> Attachment::start_guard(pid_t init, bool first) {
  stop_guard();
  // The policy file survives restarts: `nucleus update` may have changed it.
  if (first) {
    guard::Config c{id_, !network_.egress.domains.empty(), network_.egress.domains, {}};
    if (host_side_) c.table = host_table(id_);
    for (const auto& s : bridge_nameservers(network_, host_resolv_conf()))
      if (parse_ipv4(s)) c.upstream.push_back(s);
    if (c.resolver && c.upstream.empty())
      return fail_invalid("--egress-allow-domain: the resolver needs an IPv4 nameserver (--dns)");
    TRY(fs::write_atomic(state_dir_, guard::kConfigFile, guard::to_json(c), false));
  }
  if (host_side_) return start_host_guard();
  return spawn_guard(egress_ruleset(network_.egress), init, {});
}

// A gVisor sandbox's guard: its nflog group and resolver socket are made here, so that the
// policy (which names them) is complete before the guard loads it.
Result<> Attachment::start_host_guard() {
  auto nflog = TRY(NflogGroup::bind_free(kHostLogGroups, kHostLogGroupCount));
  HostSide h{host_table(id_),
             lease_->link,
             lease_->ip,
             lease_->gateway,
             0,
             nflog.group(),
             ::access("/proc/sys/net/bridge", F_OK) == 0};
  std::vector<int> pass{nflog.fd()};
  UniqueFd resolver;
  if (!network_.egress.domains.empty()) {
    resolver.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(lease_->gateway);
    socklen_t len = sizeof at;
    if (!resolver || ::bind(resolver.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
        ::getsockname(resolver.get(), reinterpret_cast<sockaddr*>(&at), &len) != 0)
      return fail_errno("egress resolver: bind {}", format_ipv4(lease_->gateway));
    h.resolver_port = ntohs(at.sin_port);
    pass.push_back(resolver.get());
  }
  // Claimed before they exist: whatever happens next, rm and gc remove them.
  TRY(claim_host_tables(networks_.dir(), id_));
  host_tables_ = true;
  return spawn_guard(host_ruleset(network_.egress, h), 0, std::move(pass));
}

Result<> Attachment::spawn_guard(const nlohmann::json& ruleset, pid_t netns_pid,
                                 std::vector<int> pass) {
  auto [read_end, write_end] = TRY(make_pipe());
  // The policy comes on stdin: the guard loads it before it says "ready" (one helper, not two).
  UniqueFd policy =
      TRY(process::memfd_with(nlohmann::json{{"nftables", ruleset}}.dump(), "nucleus-egress"));
  std::vector<std::string> argv{TRY(nft::helper_path())};
  if (netns_pid > 0)
    argv.insert(argv.end(), {"--netns", fmt::format("/proc/{}/ns/net", netns_pid)});
  argv.insert(argv.end(), {"--guard", state_dir_});
  process::SpawnOptions o{{policy.get(), -1, write_end.get()}, true, std::move(pass)};
  auto child = TRY(process::spawn(argv, o));
  write_end.reset();
  guard_ = std::move(child);
  std::string line = first_line(read_end.get());
  if (line != "ready") {
    stop_guard();
    return fail_invalid("{}", line);
  }
  log::debug("{:.2f} ms: egress guard {} ready", log::elapsed_ms(), guard_->pid);
  return {};
}

void Attachment::stop_guard() {
  if (!guard_) return;
  process::stop(*guard_);
  guard_.reset();
}

}  // namespace nucleus::net
