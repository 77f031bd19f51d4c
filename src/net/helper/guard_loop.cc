#include "net/helper/guard_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "net/dns.h"
#include "net/egress.h"
#include "net/guard.h"
#include "net/helper/nft_ctx.h"
#include "net/ipv4.h"
#include "net/nflog.h"
#include "util/fs.h"

namespace nucleus::net::guard {
namespace {

using nlohmann::json;

constexpr int kQueryTimeoutS = 3;
constexpr size_t kMaxPending = 1024;
constexpr size_t kMaxNames = 4096;
constexpr uint32_t kMaxTtl = 86400;

int64_t now_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

sockaddr_in ipv4(uint32_t addr, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(addr);
  a.sin_port = htons(port);
  return a;
}

struct Pending {
  sockaddr_in client{};
  uint16_t client_id = 0;
  std::string name;
  uint16_t type = 0;
  uint32_t server = 0;
  int64_t sent = 0;
};

class Guard {
 public:
  Guard(UniqueFd dir, UniqueFd upstream, Given given)
      : dir_(std::move(dir)), upstream_(std::move(upstream)), given_(std::move(given)) {}
  Result<> start(const std::string& policy);
  Result<> loop();

 private:
  Result<> reload();
  void write_event(const std::string& line);
  void on_query();
  void on_upstream_answer();
  void on_denied(std::span<const uint8_t> packet);
  Result<> allow(uint32_t addr, uint32_t ttl);
  json element(const char* verb, uint32_t addr, uint32_t ttl) const;
  void expire_pending();

  UniqueFd dir_, upstream_;
  Given given_;
  UniqueFd dns_, events_;
  uint64_t events_size_ = 0;
  std::optional<NflogGroup> nflog_;
  NftContext nft_;
  Config config_;
  ino_t config_ino_ = 0;
  timespec config_mtime_{};
  std::map<uint16_t, Pending> pending_;
  uint16_t next_id_ = 0;
  size_t next_server_ = 0;
  std::unordered_map<uint32_t, int64_t> expires_;    // addresses in the set, until when
  std::unordered_map<uint32_t, std::string> names_;  // address -> the name it answered
};

Result<> Guard::reload() {
  struct stat st {};
  if (::fstatat(dir_.get(), kConfigFile, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return fail_errno("{}", kConfigFile);
  if (st.st_ino == config_ino_ && st.st_mtim.tv_sec == config_mtime_.tv_sec &&
      st.st_mtim.tv_nsec == config_mtime_.tv_nsec)
    return {};
  auto config = TRY(parse_config(TRY(fs::read_file_at(dir_.get(), kConfigFile))));
  config_ino_ = st.st_ino;
  config_mtime_ = st.st_mtim;
  bool changed = config.domains != config_.domains;
  config_ = std::move(config);
  if (changed && !expires_.empty()) {
    // Addresses of names no longer allowed go at once; open connections stay.
    json flush{
        {"flush", {{"set", {{"family", "inet"}, {"table", config_.table}, {"name", kDomainSet}}}}}};
    TRY(nft_.run(json{{"nftables", {flush}}}.dump()));
    expires_.clear();
  }
  return {};
}

Result<> Guard::start(const std::string& policy) {
  if (!nft_.ok()) return fail_invalid("nftables: cannot create a context");
  TRY(nft_.run(policy));
  TRY(reload());
  events_.reset(::openat(dir_.get(), kEventsFile,
                         O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!events_) return fail_errno("{}", kEventsFile);
  struct stat st {};
  if (::fstat(events_.get(), &st) == 0) events_size_ = static_cast<uint64_t>(st.st_size);
  if (given_.nflog) {
    nflog_ = NflogGroup::adopt(std::move(given_.nflog));
  } else {
    nflog_ = TRY(NflogGroup::bind(kLogGroup));
  }
  if (config_.resolver && given_.resolver) {
    dns_ = std::move(given_.resolver);
    int on = 1;
    if (::ioctl(dns_.get(), FIONBIO, &on) != 0) return fail_errno("resolver socket");
  } else if (config_.resolver) {
    dns_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    auto at = ipv4(*parse_ipv4(kResolverIp), 53);
    if (!dns_ || ::bind(dns_.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0)
      return fail_errno("resolver: bind {}:53", kResolverIp);
  }
  next_id_ = static_cast<uint16_t>(::getpid() ^ now_s());
  return {};
}

void Guard::write_event(const std::string& line) {
  if (events_size_ + line.size() > kEventsMaxSize) {
    std::string old = std::string(kEventsFile) + ".1";
    if (::renameat(dir_.get(), kEventsFile, dir_.get(), old.c_str()) == 0) {
      UniqueFd fresh(::openat(dir_.get(), kEventsFile,
                              O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (fresh) {
        events_ = std::move(fresh);
        events_size_ = 0;
      }
    }
  }
  if (::write(events_.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()))
    events_size_ += line.size();
}

json Guard::element(const char* verb, uint32_t addr, uint32_t ttl) const {
  json elem{{"val", format_ipv4(addr)}};
  if (ttl > 0) elem["timeout"] = ttl;
  return {{verb,
           {{"element",
             {{"family", "inet"},
              {"table", config_.table},
              {"name", kDomainSet},
              {"elem", {{{"elem", elem}}}}}}}}};
}

// Adds addr to the set for ttl seconds, or extends its stay: older kernels keep an element's
// timeout on a second add, so a present element is deleted and added again in one transaction
// (and, should it have expired meanwhile, added alone).
Result<> Guard::allow(uint32_t addr, uint32_t ttl) {
  ttl = std::clamp<uint32_t>(ttl, 1, kMaxTtl);
  int64_t until = now_s() + ttl;
  auto it = expires_.find(addr);
  bool present = it != expires_.end() && it->second > now_s();
  if (present && it->second >= until) return {};
  json add = element("add", addr, ttl);
  if (!present || !nft_.run(json{{"nftables", {element("delete", addr, 0), add}}}.dump()))
    TRY(nft_.run(json{{"nftables", {add}}}.dump()));
  expires_[addr] = until;
  return {};
}

void Guard::on_query() {
  uint8_t buf[4096];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ssize_t n = ::recvfrom(dns_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n <= 0) return;
  std::span<uint8_t> msg(buf, static_cast<size_t>(n));
  auto q = dns::parse_query(msg);
  if (!q) return;
  auto answer = [&](uint8_t rcode) {
    auto r = dns::reply_with(msg, rcode);
    ::sendto(dns_.get(), r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  };
  if (auto r = reload(); !r) write_event(error_event(config_.container, r.error().what()));
  if (!dns::allowed(config_.domains, q->name)) {
    write_event(dns_event(config_.container, q->name));
    return answer(dns::kRcodeNxDomain);
  }
  if (config_.upstream.empty()) return answer(dns::kRcodeServFail);
  expire_pending();
  if (pending_.size() >= kMaxPending) return answer(dns::kRcodeServFail);
  while (pending_.count(next_id_)) next_id_++;
  uint16_t id = next_id_++;
  uint32_t server = *parse_ipv4(config_.upstream[next_server_ % config_.upstream.size()]);
  dns::set_id(msg, id);
  auto to = ipv4(server, 53);
  if (::sendto(upstream_.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to),
               sizeof to) < 0)
    return answer(dns::kRcodeServFail);
  pending_[id] = {from, q->id, q->name, q->type, server, now_s()};
}

void Guard::on_upstream_answer() {
  uint8_t buf[4096];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ssize_t n =
      ::recvfrom(upstream_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n <= 0) return;
  std::span<uint8_t> msg(buf, static_cast<size_t>(n));
  auto a = dns::parse_answer(msg);
  if (!a) return;
  auto it = pending_.find(a->question.id);
  // Only the server asked may answer, for the question asked.
  if (it == pending_.end() || ntohl(from.sin_addr.s_addr) != it->second.server ||
      ntohs(from.sin_port) != 53 || a->question.name != it->second.name ||
      a->question.type != it->second.type)
    return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  dns::set_id(msg, p.client_id);
  auto reply = [&](std::span<const uint8_t> r) {
    ::sendto(dns_.get(), r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&p.client),
             sizeof p.client);
  };
  if (!dns::allowed(config_.domains, p.name)) {  // the policy changed meanwhile
    write_event(dns_event(config_.container, p.name));
    return reply(dns::reply_with(msg, dns::kRcodeNxDomain));
  }
  for (const auto& r : a->a) {
    // The set first, then the answer: the workload's connect never races its own address.
    if (auto ok = allow(r.addr, r.ttl); !ok) {
      write_event(error_event(config_.container, ok.error().what()));
      return reply(dns::reply_with(msg, dns::kRcodeServFail));
    }
    if (names_.size() >= kMaxNames && !names_.count(r.addr)) names_.clear();
    names_[r.addr] = p.name;
  }
  reply(msg);
}

void Guard::expire_pending() {
  int64_t now = now_s();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second.sent < kQueryTimeoutS) {
      ++it;
      continue;
    }
    next_server_++;  // the next query tries another server
    it = pending_.erase(it);
  }
}

void Guard::on_denied(std::span<const uint8_t> packet) {
  auto d = parse_denied_packet(packet);
  if (!d) return;
  auto name = names_.find(d->destination);
  write_event(connection_event(config_.container, *d, name == names_.end() ? "" : name->second));
}

Result<> Guard::loop() {
  while (true) {
    pollfd fds[3] = {
        {nflog_->fd(), POLLIN, 0}, {dns_.get(), POLLIN, 0}, {upstream_.get(), POLLIN, 0}};
    int n = ::poll(fds, dns_ ? 3 : 1, 1000);
    if (n < 0 && errno != EINTR) return fail_errno("poll");
    if (fds[0].revents & POLLIN)
      nflog_->drain([this](std::span<const uint8_t> p) { on_denied(p); });
    if (dns_ && (fds[1].revents & POLLIN)) on_query();
    if (dns_ && (fds[2].revents & POLLIN)) on_upstream_answer();
    expire_pending();
  }
}

}  // namespace

int serve(UniqueFd dir, UniqueFd upstream, Given given, const std::string& policy, int ready) {
  Guard g(std::move(dir), std::move(upstream), std::move(given));
  if (auto r = g.start(policy); !r) {
    std::string line = "egress guard: " + r.error().what() + "\n";
    (void)!::write(ready, line.data(), line.size());
    return 1;
  }
  (void)!::write(ready, "ready\n", 6);
  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (null) ::dup2(null.get(), ready);  // nobody reads it any more
  auto r = g.loop();
  return r ? 0 : 1;
}

}  // namespace nucleus::net::guard
