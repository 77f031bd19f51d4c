// Attachment's egress guard: nucleus-nft --guard, one per init, started before the workload.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/attach.h"
#include "net/guard.h"
#include "net/ipv4.h"
#include "net/nft.h"
#include "net/resolv.h"
#include "util/fs.h"
#include "util/log.h"

namespace nucleus::net {
namespace {

constexpr int kGuardStartMs = 5000;

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

Result<> Attachment::start_guard(pid_t init, bool first, const nlohmann::json& ruleset) {
  stop_guard();
  // The policy file survives restarts: `nucleus update` may have changed it.
  if (first) {
    guard::Config c{id_, !network_.egress.domains.empty(), network_.egress.domains, {}};
    for (const auto& s : bridge_nameservers(network_, host_resolv_conf()))
      if (parse_ipv4(s)) c.upstream.push_back(s);
    if (c.resolver && c.upstream.empty())
      return fail_invalid("--egress-allow-domain: the resolver needs an IPv4 nameserver (--dns)");
    TRY(fs::write_atomic(state_dir_, guard::kConfigFile, guard::to_json(c), false));
  }
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe");
  UniqueFd read_end(p[0]), write_end(p[1]);
  // The policy comes on stdin: the guard loads it before it says "ready" (one helper, not two).
  UniqueFd policy =
      TRY(process::memfd_with(nlohmann::json{{"nftables", ruleset}}.dump(), "nucleus-egress"));
  auto child = TRY(process::spawn({TRY(nft::helper_path()), "--netns",
                                   fmt::format("/proc/{}/ns/net", init), "--guard", state_dir_},
                                  {{policy.get(), -1, write_end.get()}, true, {}}));
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
