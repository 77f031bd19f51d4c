#include "checkpoint/native.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "fs/mountinfo.h"
#include "util/parse.h"

namespace nucleus::checkpoint {
namespace {

using nlohmann::json;

// `root` within a filesystem whose `base` is mounted at `point`: the host path, or "" when
// root is not beneath base.
std::string host_path(const std::string& root, const std::string& base, const std::string& point) {
  if (base != "/" && root != base && root.rfind(base + "/", 0) != 0) return "";
  std::string rest = base == "/" ? root : root.substr(base.size());
  if (rest == "/" || rest.empty()) return point;
  return point == "/" ? rest : point + rest;
}

// The external mounts by key (m0, m1...): named at their mount point at dump, bound from their
// host path at restore.
void add_mounts(std::vector<std::string>& v, const NativeImage& n, bool dump) {
  for (size_t i = 0; i < n.mounts.size(); i++) {
    v.push_back("--external");
    v.push_back(dump ? fmt::format("mnt[{}]:m{}", n.mounts[i].point, i)
                     : fmt::format("mnt[m{}]:{}", i, n.mounts[i].source));
  }
}

}  // namespace

Result<std::vector<ExternalMount>> external_mounts(std::string_view host_text,
                                                   std::string_view container_text) {
  auto host = TRY(fs::parse_mountinfo(host_text));
  auto container = TRY(fs::parse_mountinfo(container_text));
  std::vector<ExternalMount> out;
  for (const auto& c : container) {
    if (c.point == "/") continue;
    std::string source;
    size_t best = 0;
    for (const auto& h : host) {  // the host mount of that filesystem nearest to it
      if (h.device != c.device || h.root.size() < best) continue;
      std::string p = host_path(c.root, h.root, h.point);
      if (p.empty()) continue;
      source = p;
      best = h.root.size();
    }
    if (!source.empty()) out.push_back({c.point, source});
  }
  return out;
}

std::string to_json(const NativeImage& n) {
  json mounts = json::array();
  for (const auto& m : n.mounts) mounts.push_back({{"point", m.point}, {"source", m.source}});
  return json{{"mounts", mounts}, {"stdio", n.stdio}, {"tcp_established", n.tcp_established}}.dump(
             2) +
         "\n";
}

Result<NativeImage> native_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail_invalid("{} is not a JSON object", kNativeFile);
  try {
    NativeImage n;
    for (const auto& m : j.at("mounts")) {
      ExternalMount e{m.at("point").get<std::string>(), m.at("source").get<std::string>()};
      if (e.point.empty() || e.point[0] != '/' || e.source.empty() || e.source[0] != '/')
        return fail_invalid("{}: mount paths must be absolute", kNativeFile);
      n.mounts.push_back(std::move(e));
    }
    auto stdio = j.at("stdio").get<std::vector<std::string>>();
    if (stdio.size() != 3) return fail_invalid("{}: stdio needs three entries", kNativeFile);
    for (size_t i = 0; i < 3; i++) n.stdio[i] = stdio[i];
    n.tcp_established = j.value("tcp_established", false);
    return n;
  } catch (const json::exception& e) {
    return fail_invalid("{}: {}", kNativeFile, e.what());
  }
}

std::vector<std::string> dump_command(const DumpArgs& a, const NativeImage& n) {
  std::vector<std::string> v = {a.criu,
                                "dump",
                                "--tree",
                                std::to_string(a.pid),
                                "--images-dir",
                                a.dir,
                                "--log-file",
                                "dump.log",
                                "-v4",
                                "--manage-cgroups=ignore",
                                "--file-locks",
                                "--network-lock",
                                "nftables",
                                "--external",
                                fmt::format("net[{}]:{}", a.netns, kNetworkKey)};
  add_mounts(v, n, true);
  if (a.leave_running) v.push_back("--leave-running");
  if (a.tcp_established) v.push_back("--tcp-established");
  return v;
}

std::vector<std::string> restore_command(const RestoreArgs& a, const NativeImage& n) {
  std::vector<std::string> v = {a.criu,
                                "restore",
                                "--images-dir",
                                a.dir,
                                "--work-dir",
                                a.work_dir,
                                "--log-file",
                                "restore.log",
                                "-v4",
                                "--restore-detached",
                                "--restore-sibling",
                                "--pidfile",
                                a.pid_file,
                                "--root",
                                a.root,
                                "--manage-cgroups=ignore",
                                "--file-locks",
                                "--inherit-fd",
                                fmt::format("fd[{}]:{}", a.netns_fd, kNetworkKey)};
  add_mounts(v, n, false);
  for (size_t i = 0; i < 3; i++) {
    if (a.stdio[i] < 0 || n.stdio[i].rfind("pipe:[", 0) != 0) continue;
    v.push_back("--inherit-fd");
    v.push_back(fmt::format("fd[{}]:{}", a.stdio[i], n.stdio[i]));
  }
  if (a.tcp_established) v.push_back("--tcp-established");
  return v;
}

std::string last_error(std::string_view log) {
  std::string_view found;
  for (auto line : parse::split(log, '\n')) {
    if (line.find("Error (") != std::string_view::npos) found = line;
  }
  if (found.empty()) return "";
  size_t at = found.find("Error (");
  size_t close = found.find("): ", at);
  return std::string(close == std::string_view::npos ? found.substr(at) : found.substr(close + 3));
}

}  // namespace nucleus::checkpoint
