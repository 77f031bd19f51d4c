#include "net/resolv.h"

#include "net/ipv4.h"
#include "util/fs.h"
#include "util/parse.h"

namespace nucleus::net {
namespace {

bool loopback(std::string_view ip) {
  return ip.starts_with("127.") || ip == "::1";
}

}  // namespace

std::string host_resolv_conf() {
  auto text = fs::read_file("/etc/resolv.conf").value_or("");
  if (text.find("127.0.0.53") != std::string::npos) {
    if (auto upstream = fs::read_file("/run/systemd/resolve/resolv.conf")) return *upstream;
  }
  return text;
}

std::vector<std::string> bridge_nameservers(const spec::Network& n, std::string_view host_text) {
  if (!n.dns.empty()) return n.dns;
  std::vector<std::string> servers;
  for (auto line : parse::split(host_text, '\n')) {
    auto w = parse::words(line);
    if (w.size() > 1 && w[0] == "nameserver" && !loopback(w[1]) && valid_ip(w[1]))
      servers.emplace_back(w[1]);
  }
  if (servers.empty()) servers = {"8.8.8.8", "8.8.4.4"};
  return servers;
}

}  // namespace nucleus::net
