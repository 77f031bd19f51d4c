#include "container/denials.h"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "container/event_log.h"
#include "security/syscall_names.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/parse.h"

namespace nucleus::container {
namespace {

constexpr unsigned kReadLogGroup = 1;      // AUDIT_NLGRP_READLOG
constexpr uint16_t kSeccompRecord = 1326;  // AUDIT_SECCOMP

// The value of ` key=` in an audit record: up to the next blank, or a "quoted" string.
std::string_view field(std::string_view text, std::string_view key) {
  std::string needle = " " + std::string(key) + "=";
  size_t at = text.find(needle);
  if (at == std::string_view::npos) return {};
  std::string_view v = text.substr(at + needle.size());
  if (!v.empty() && v[0] == '"') {
    size_t end = v.find('"', 1);
    return end == std::string_view::npos ? v.substr(1) : v.substr(1, end - 1);
  }
  return v.substr(0, v.find(' '));
}

}  // namespace

bool parse_seccomp_record(std::string_view text, unsigned long ses, Denial& out) {
  auto s = parse::uint(field(text, "ses"), 0, UINT32_MAX);
  if (!s || *s != ses) return false;
  auto nr = parse::uint(field(text, "syscall"), 0, UINT32_MAX);
  auto pid = parse::uint(field(text, "pid"), 1, INT32_MAX);
  auto sig = parse::uint(field(text, "sig"), 0, 64);
  if (!nr || !pid) return false;
  out.nr = static_cast<long>(*nr);
  bool x86_64 = field(text, "arch") == "c000003e";
  out.syscall = x86_64 ? std::string(security::seccomp::syscall_name(static_cast<int>(*nr))) : "";
  out.pid = static_cast<pid_t>(*pid);
  out.comm = std::string(field(text, "comm"));
  out.exe = std::string(field(text, "exe"));
  out.signal = sig ? static_cast<int>(*sig) : 0;
  return true;
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
  auto text = fs::read_file(fmt::format("/proc/{}/sessionid", init));
  auto ses = text ? parse::uint(parse::trim_end(*text), 1, UINT32_MAX - 1) : Result<uint64_t>();
  // 4294967295 is "no session": the loginuid could not be set.
  if (text && ses) ses_ = static_cast<unsigned long>(*ses);
}

std::vector<Denial> DenialWatcher::drain(int wait_ms) {
  std::vector<Denial> out;
  if (!active()) return out;
  char buf[8192];
  for (;;) {
    pollfd p{sock_.get(), POLLIN, 0};
    if (::poll(&p, 1, out.empty() ? wait_ms : 0) <= 0) break;
    ssize_t n = ::recv(sock_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < static_cast<ssize_t>(NLMSG_HDRLEN)) {
      if (n < 0 && errno == ENOBUFS) continue;  // records were lost; read on
      break;
    }
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (h->nlmsg_type != kSeccompRecord || h->nlmsg_len > static_cast<size_t>(n)) continue;
    Denial d;
    std::string_view text(buf + NLMSG_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN);
    if (parse_seccomp_record(text, ses_, d)) out.push_back(std::move(d));
  }
  return out;
}

DenialReporter::DenialReporter(DenialWatcher& w, std::function<void(const Denial&)> report)
    : stop_(::eventfd(0, EFD_CLOEXEC)) {
  if (!w.active() || !stop_) return;
  thread_ = std::thread([&w, report = std::move(report), stop = stop_.get()] {
    for (;;) {
      pollfd p[2] = {{w.fd(), POLLIN, 0}, {stop, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 && errno != EINTR) return;
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
  auto e = event(id, "seccomp-kill");
  e["syscall"] = d.syscall;
  e["nr"] = d.nr;
  e["pid"] = d.pid;
  e["comm"] = d.comm;
  e["exe"] = d.exe;
  e["signal"] = d.signal;
  return e;
}

void report_kills(DenialWatcher& w, int exit_code) {
  for (const auto& d : w.drain_at_exit(exit_code)) log::warn("{}", describe(d));
}

std::string describe(const Denial& d) {
  std::string call = d.syscall.empty() ? fmt::format("number {}", d.nr) : d.syscall;
  return fmt::format("seccomp killed {} (pid {}, {}): system call {} is not allowed", d.comm, d.pid,
                     d.exe, call);
}

}  // namespace nucleus::container
