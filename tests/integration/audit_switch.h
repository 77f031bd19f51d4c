// Turns the kernel's audit on for a test (AUDIT_SET on the audit netlink socket) and back off
// afterwards, as it was: Landlock writes its denials only where audit is enabled. Hosts with
// auditd have it on already; this one boots with it off.
#pragma once

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>

namespace nucleus::testing {

class AuditSwitch {
 public:
  AuditSwitch() {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (fd_ < 0) {
      why_ = "no audit netlink socket";
      return;
    }
    auto st = status();
    if (!st) return;
    was_ = st->enabled;
    if (was_ == 2) why_ = "audit is locked";
    if (was_ == 0 && !set_enabled(1)) why_ = "cannot enable audit";
  }
  ~AuditSwitch() {
    if (why_.empty() && was_ == 0) set_enabled(0);
    if (fd_ >= 0) ::close(fd_);
  }
  AuditSwitch(const AuditSwitch&) = delete;
  AuditSwitch& operator=(const AuditSwitch&) = delete;

  // Empty when audit is on for the test's duration; else why not.
  const std::string& why_not() const { return why_; }

 private:
  struct Message {
    nlmsghdr h;
    audit_status s;
  };

  bool request(uint16_t type, const audit_status& s, bool ack) {
    Message m{};
    m.h.nlmsg_len = sizeof m;
    m.h.nlmsg_type = type;
    m.h.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | (ack ? NLM_F_ACK : 0));
    m.s = s;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    return ::sendto(fd_, &m, sizeof m, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) ==
           static_cast<ssize_t>(sizeof m);
  }

  std::optional<audit_status> status() {
    if (!request(AUDIT_GET, {}, false)) {
      why_ = "AUDIT_GET refused";
      return std::nullopt;
    }
    char buf[8192];
    for (int i = 0; i < 4; i++) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < static_cast<ssize_t>(NLMSG_HDRLEN)) break;
      auto* h = reinterpret_cast<nlmsghdr*>(buf);
      if (h->nlmsg_type == AUDIT_GET) {
        audit_status s{};
        std::memcpy(&s, NLMSG_DATA(h), std::min(sizeof s, size_t(n) - NLMSG_HDRLEN));
        return s;
      }
    }
    why_ = "no audit status";
    return std::nullopt;
  }

  bool set_enabled(uint32_t on) {
    audit_status s{};
    s.mask = AUDIT_STATUS_ENABLED;
    s.enabled = on;
    if (!request(AUDIT_SET, s, true)) return false;
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);  // the ack: an NLMSG_ERROR with error 0
    if (n < static_cast<ssize_t>(NLMSG_HDRLEN + sizeof(nlmsgerr))) return false;
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    return h->nlmsg_type == NLMSG_ERROR && static_cast<nlmsgerr*>(NLMSG_DATA(h))->error == 0;
  }

  int fd_ = -1;
  uint32_t was_ = 0;
  std::string why_;
};

}  // namespace nucleus::testing
