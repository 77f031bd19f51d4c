#include "container/denials.h"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "container/audit_record.h"
#include "container/event_log.h"
#include "security/syscall_names.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/parse.h"

namespace nucleus::container {
namespace {

constexpr unsigned kReadLogGroup = 1;  // AUDIT_NLGRP_READLOG
// Record types (linux/audit.h; Debian 12's headers predate Landlock's).
constexpr uint16_t kSyscallRecord = 1300, kEndOfEvent = 1320, kSeccompRecord = 1326,
                   kLandlockAccess = 1423, kLandlockDomain = 1424;

// The system call and process fields of a SECCOMP or SYSCALL record.
bool take_process(const AuditRecord& r, Denial& out) {
  auto nr = parse::uint(r.get("syscall"), 0, UINT32_MAX);
  auto pid = parse::uint(r.get("pid"), 1, INT32_MAX);
  if (!nr || !pid) return false;
  out.nr = static_cast<long>(*nr);
  bool x86_64 = r.get("arch") == "c000003e";
  out.syscall = x86_64 ? std::string(security::seccomp::syscall_name(static_cast<int>(*nr))) : "";
  out.pid = static_cast<pid_t>(*pid);
  out.comm = std::string(r.get("comm"));
  out.exe = std::string(r.get("exe"));
  return true;
}

bool of_session(const AuditRecord& r, unsigned long ses) {
  auto s = parse::uint(r.get("ses"), 0, UINT32_MAX);
  return s && *s == ses;
}

bool seccomp_denial(const AuditRecord& r, unsigned long ses, Denial& out) {
  if (!of_session(r, ses) || !take_process(r, out)) return false;
  auto sig = parse::uint(r.get("sig"), 0, 64);
  out.kind = Denial::Kind::kSeccompKill;
  out.signal = sig ? static_cast<int>(*sig) : 0;
  return true;
}

}  // namespace

bool parse_seccomp_record(std::string_view text, unsigned long ses, Denial& out) {
  auto r = parse_audit_record(text);
  return r && seccomp_denial(*r, ses, out);
}

std::optional<Denial> parse_landlock_access(const AuditRecord& r) {
  if (r.get("domain").empty() || r.get("blockers").empty()) return std::nullopt;
  Denial d;
  d.kind = Denial::Kind::kLandlock;
  d.domain = r.get("domain");
  for (auto b : parse::split(r.get("blockers"), ',')) d.blockers.emplace_back(b);
  for (const auto& [k, v] : r.fields)
    if (k != "domain" && k != "blockers") d.object.emplace_back(k, v);
  return d;
}

DenialWatcher::DenialWatcher() {
  sock_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT));
  sockaddr_nl a{};
  a.nl_family = AF_NETLINK;
  a.nl_groups = 1u << (kReadLogGroup - 1);
  if (sock_ && ::bind(sock_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) sock_.reset();
}

void DenialWatcher::watch(pid_t init) {
  if (!sock_) return;
  creator_ = init;
  auto text = fs::read_file(fmt::format("/proc/{}/sessionid", init));
  auto ses = text ? parse::uint(parse::trim_end(*text), 1, UINT32_MAX - 1) : Result<uint64_t>();
  // 4294967295 is "no session": the loginuid could not be set.
  if (text && ses) ses_ = static_cast<unsigned long>(*ses);
}

void DenialWatcher::take(uint16_t type, std::string_view text, std::vector<Denial>& out) {
  auto r = parse_audit_record(text);
  if (!r) return;
  if (type == kSeccompRecord) {
    Denial d;
    if (seccomp_denial(*r, ses_, d)) out.push_back(std::move(d));
  } else if (type == kLandlockAccess) {
    // The rest of its event (the domain's first record, the system call) follows.
    if (auto d = parse_landlock_access(*r))
      pending_.push_back({r->serial, clock::monotonic_ms() + kEventMs, false, std::move(*d)});
  } else if (type == kLandlockDomain) {
    auto pid = parse::uint(r->get("pid"), 1, INT32_MAX);
    if (r->get("status") == "allocated" && pid && static_cast<pid_t>(*pid) == creator_)
      domains_.emplace_back(r->get("domain"));
  } else if (type == kSyscallRecord || type == kEndOfEvent) {
    for (auto& p : pending_) {
      if (p.serial != r->serial) continue;
      if (type == kSyscallRecord) take_process(*r, p.denial);
      p.complete = true;
    }
  }
}

void DenialWatcher::release(std::vector<Denial>& out) {
  int64_t now = clock::monotonic_ms();
  std::erase_if(pending_, [&](Pending& p) {
    if (!p.complete && p.deadline_ms > now) return false;
    if (std::find(domains_.begin(), domains_.end(), p.denial.domain) != domains_.end())
      out.push_back(std::move(p.denial));
    return true;  // another sandbox's, or the host's
  });
}

int DenialWatcher::next_timeout_ms() const {
  if (pending_.empty()) return -1;
  int64_t first = pending_.front().deadline_ms;
  for (const auto& p : pending_) first = std::min(first, p.deadline_ms);
  return static_cast<int>(std::max<int64_t>(0, first - clock::monotonic_ms()));
}

std::vector<Denial> DenialWatcher::drain(int wait_ms) {
  std::vector<Denial> out;
  if (!active()) return out;
  int64_t until = clock::monotonic_ms() + wait_ms;
  char buf[8992];  // MAX_AUDIT_MESSAGE_LENGTH + the header
  for (;;) {
    release(out);
    int timeout =
        out.empty() ? static_cast<int>(std::max<int64_t>(0, until - clock::monotonic_ms())) : 0;
    if (int pend = next_timeout_ms(); pend >= 0) timeout = std::max(timeout, pend);
    pollfd p{sock_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout) <= 0) {
      if (pending_.empty() || timeout == 0) break;
      continue;  // a denial's event is due: released at the top
    }
    ssize_t n = ::recv(sock_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < static_cast<ssize_t>(NLMSG_HDRLEN)) {
      if (n < 0 && errno == ENOBUFS) continue;  // records were lost; read on
      break;
    }
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (h->nlmsg_len > static_cast<size_t>(n)) continue;
    take(h->nlmsg_type, std::string_view(buf + NLMSG_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN), out);
  }
  release(out);
  return out;
}

DenialReporter::DenialReporter(DenialWatcher& w, std::function<void(const Denial&)> report)
    : stop_(::eventfd(0, EFD_CLOEXEC)) {
  if (!w.active() || !stop_) return;
  thread_ = std::thread([&w, report = std::move(report), stop = stop_.get()] {
    for (;;) {
      pollfd p[2] = {{w.fd(), POLLIN, 0}, {stop, POLLIN, 0}};
      if (::poll(p, 2, w.next_timeout_ms()) < 0 && errno != EINTR) return;
      if (p[1].revents != 0) return;
      for (const auto& d : w.drain()) report(d);
    }
  });
}

DenialReporter::~DenialReporter() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

nlohmann::json denial_event(const std::string& id, const Denial& d) {
  bool landlock = d.kind == Denial::Kind::kLandlock;
  auto e = event(id, landlock ? "landlock-denial" : "seccomp-kill");
  if (landlock) {
    e["blockers"] = d.blockers;
    for (const auto& [k, v] : d.object)
      if (!e.contains(k)) e[k] = v;  // never over the event's own keys
    if (d.pid == 0) return e;        // the event named no process
  } else {
    e["signal"] = d.signal;
  }
  e["syscall"] = d.syscall;
  e["nr"] = d.nr;
  e["pid"] = d.pid;
  e["comm"] = d.comm;
  e["exe"] = d.exe;
  return e;
}

void report_kills(DenialWatcher& w, int exit_code) {
  for (const auto& d : w.drain_at_exit(exit_code)) log::warn("{}", describe(d));
}

std::string describe(const Denial& d) {
  if (d.kind == Denial::Kind::kLandlock) {
    std::string who = d.pid == 0 ? "" : fmt::format(" {} (pid {}, {})", d.comm, d.pid, d.exe);
    std::vector<std::string> what;
    for (const auto& [k, v] : d.object) what.push_back(k + "=" + v);
    return fmt::format("landlock denied{} {}: {}", who, fmt::join(d.blockers, ","),
                       fmt::join(what, " "));
  }
  std::string call = d.syscall.empty() ? fmt::format("number {}", d.nr) : d.syscall;
  return fmt::format("seccomp killed {} (pid {}, {}): system call {} is not allowed", d.comm, d.pid,
                     d.exe, call);
}

}  // namespace nucleus::container
