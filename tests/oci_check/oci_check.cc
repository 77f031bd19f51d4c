// oci_check: runs as a container's process and verifies, field by field, that the runtime
// applied the config.json it is given (argv[1], bound into the container by the test), as
// runtime-tools' runtimetest does. Prints TAP ("ok - ..." / "not ok - ...: why"); exits 0 when
// every check held. Static, so that it runs on any root filesystem.
//
// The test passes what the checker cannot know from inside as environment variables of the
// process: HOST_NS_<type>=<inode> (the host's namespaces, which new ones must differ from) and
// NS_<type>=<inode> (a namespace joined by path).
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

int failures = 0, checks = 0;

void report(bool ok, const std::string& what, const std::string& why = "") {
  checks++;
  if (!ok) failures++;
  std::printf("%sok %d - %s%s%s\n", ok ? "" : "not ", checks, what.c_str(), ok ? "" : ": ",
              ok ? "" : why.c_str());
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string status_field(const std::string& name) {
  std::istringstream in(slurp("/proc/self/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) != 0) continue;
    size_t v = line.find_first_not_of(" \t", name.size() + 1);
    return v == std::string::npos ? "" : trim(line.substr(v));
  }
  return "";
}

std::string fmt_map(uint64_t a, uint64_t b, uint64_t c) {
  return std::to_string(a) + " " + std::to_string(b) + " " + std::to_string(c);
}

const std::map<std::string, int> kCaps = {{"CAP_CHOWN", 0},
                                          {"CAP_DAC_OVERRIDE", 1},
                                          {"CAP_DAC_READ_SEARCH", 2},
                                          {"CAP_FOWNER", 3},
                                          {"CAP_FSETID", 4},
                                          {"CAP_KILL", 5},
                                          {"CAP_SETGID", 6},
                                          {"CAP_SETUID", 7},
                                          {"CAP_SETPCAP", 8},
                                          {"CAP_LINUX_IMMUTABLE", 9},
                                          {"CAP_NET_BIND_SERVICE", 10},
                                          {"CAP_NET_BROADCAST", 11},
                                          {"CAP_NET_ADMIN", 12},
                                          {"CAP_NET_RAW", 13},
                                          {"CAP_IPC_LOCK", 14},
                                          {"CAP_IPC_OWNER", 15},
                                          {"CAP_SYS_MODULE", 16},
                                          {"CAP_SYS_RAWIO", 17},
                                          {"CAP_SYS_CHROOT", 18},
                                          {"CAP_SYS_PTRACE", 19},
                                          {"CAP_SYS_PACCT", 20},
                                          {"CAP_SYS_ADMIN", 21},
                                          {"CAP_SYS_BOOT", 22},
                                          {"CAP_SYS_NICE", 23},
                                          {"CAP_SYS_RESOURCE", 24},
                                          {"CAP_SYS_TIME", 25},
                                          {"CAP_SYS_TTY_CONFIG", 26},
                                          {"CAP_MKNOD", 27},
                                          {"CAP_LEASE", 28},
                                          {"CAP_AUDIT_WRITE", 29},
                                          {"CAP_AUDIT_CONTROL", 30},
                                          {"CAP_SETFCAP", 31},
                                          {"CAP_MAC_OVERRIDE", 32},
                                          {"CAP_MAC_ADMIN", 33},
                                          {"CAP_SYSLOG", 34},
                                          {"CAP_WAKE_ALARM", 35},
                                          {"CAP_BLOCK_SUSPEND", 36},
                                          {"CAP_AUDIT_READ", 37},
                                          {"CAP_PERFMON", 38},
                                          {"CAP_BPF", 39},
                                          {"CAP_CHECKPOINT_RESTORE", 40}};

void check_process(const json& p) {
  if (p.contains("cwd")) {
    char cwd[4096] = "";
    report(getcwd(cwd, sizeof cwd) && p["cwd"] == cwd, "process.cwd " + p["cwd"].get<std::string>(),
           cwd);
  }
  for (const auto& e : p.value("env", json::array())) {
    std::string kv = e, key = kv.substr(0, kv.find('='));
    const char* v = getenv(key.c_str());
    report(v && kv.substr(key.size() + 1) == v, "process.env " + key, v ? v : "unset");
  }
  const json& u = p.value("user", json::object());
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  getresuid(&ru, &eu, &su);
  getresgid(&rg, &eg, &sg);
  uint32_t uid = u.value("uid", 0u), gid = u.value("gid", 0u);
  report(ru == uid && eu == uid && su == uid, "process.user.uid " + std::to_string(uid),
         std::to_string(eu));
  report(rg == gid && eg == gid && sg == gid, "process.user.gid " + std::to_string(gid),
         std::to_string(eg));
  std::set<gid_t> want;
  for (const auto& g : u.value("additionalGids", json::array())) want.insert(g.get<gid_t>());
  gid_t groups[256];
  int n = getgroups(256, groups);
  std::set<gid_t> have(groups, groups + std::max(n, 0));
  report(have == want, "process.user.additionalGids", std::to_string(have.size()) + " groups");
  if (u.contains("umask")) {
    mode_t m = umask(0);
    umask(m);
    report(m == u["umask"].get<mode_t>(), "process.user.umask", std::to_string(m));
  }
  int last = std::stoi(trim(slurp("/proc/sys/kernel/cap_last_cap")));
  const json& caps = p.value("capabilities", json::object());
  for (auto [set, field] :
       std::initializer_list<std::pair<const char*, const char*>>{{"bounding", "CapBnd"},
                                                                  {"effective", "CapEff"},
                                                                  {"permitted", "CapPrm"},
                                                                  {"inheritable", "CapInh"},
                                                                  {"ambient", "CapAmb"}}) {
    uint64_t mask = 0;
    for (const auto& c : caps.value(set, json::array())) {
      auto it = kCaps.find(c.get<std::string>());
      if (it != kCaps.end() && it->second <= last) mask |= 1ull << it->second;
    }
    // Without file capabilities, a process that is not root gets across execve only its
    // ambient set as permitted and effective ones.
    if (geteuid() != 0 && (std::string(set) == "permitted" || std::string(set) == "effective")) {
      mask = 0;
      for (const auto& c : caps.value("ambient", json::array())) {
        auto it = kCaps.find(c.get<std::string>());
        if (it != kCaps.end() && it->second <= last) mask |= 1ull << it->second;
      }
    }
    uint64_t got = std::stoull(status_field(field), nullptr, 16);
    report(got == mask, std::string("process.capabilities.") + set, status_field(field));
  }
  static const std::map<std::string, int> kLimits = {
      {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
      {"RLIMIT_CORE", RLIMIT_CORE},     {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}};
  for (const auto& r : p.value("rlimits", json::array())) {
    auto it = kLimits.find(r["type"]);
    if (it == kLimits.end()) continue;
    rlimit l{};
    getrlimit(static_cast<__rlimit_resource>(it->second), &l);
    report(l.rlim_cur == r["soft"].get<uint64_t>() && l.rlim_max == r["hard"].get<uint64_t>(),
           "process.rlimits " + r["type"].get<std::string>(), std::to_string(l.rlim_cur));
  }
  bool nnp = p.value("noNewPrivileges", false);
  report(status_field("NoNewPrivs") == (nnp ? "1" : "0"), "process.noNewPrivileges",
         status_field("NoNewPrivs"));
  if (p.contains("oomScoreAdj"))
    report(trim(slurp("/proc/self/oom_score_adj")) == std::to_string(p["oomScoreAdj"].get<int>()),
           "process.oomScoreAdj", trim(slurp("/proc/self/oom_score_adj")));
}

struct MountInfo {
  std::string point, options, fstype, super, optional;
};

std::vector<MountInfo> mountinfo() {
  std::vector<MountInfo> out;
  std::istringstream in(slurp("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    std::istringstream w(line);
    std::vector<std::string> f;
    for (std::string x; w >> x;) f.push_back(x);
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 7 || dash == f.end() || dash + 3 > f.end()) continue;
    MountInfo m{f[4], f[5], *(dash + 1), dash + 3 < f.end() ? *(dash + 3) : "", ""};
    for (auto it = f.begin() + 6; it != dash; ++it) m.optional += *it + " ";
    out.push_back(m);
  }
  return out;
}

bool has_option(const std::string& list, const std::string& o) {
  std::string padded = "," + list + ",";
  return padded.find("," + o + ",") != std::string::npos;
}

void check_mounts(const json& mounts) {
  auto info = mountinfo();
  for (const auto& m : mounts) {
    std::string dst = m["destination"];
    const MountInfo* top = nullptr;
    for (const auto& i : info)
      if (i.point == dst) top = &i;
    report(top != nullptr, "mounts " + dst + " is a mount point");
    if (top == nullptr) continue;
    std::string type = m.value("type", "");
    auto options = m.value("options", json::array());
    bool bind = type == "bind" ||
                std::find(options.begin(), options.end(), "bind") != options.end() ||
                std::find(options.begin(), options.end(), "rbind") != options.end();
    if (!bind && type != "cgroup")
      report(top->fstype == type, "mounts " + dst + " type " + type, top->fstype);
    for (const char* flag : {"ro", "nosuid", "nodev", "noexec"})
      if (std::find(options.begin(), options.end(), flag) != options.end())
        report(has_option(top->options, flag), "mounts " + dst + " " + flag, top->options);
  }
}

void check_namespaces(const json& namespaces) {
  for (const auto& n : namespaces) {
    std::string type = n["type"];
    std::string file = type == "network" ? "net" : type == "mount" ? "mnt" : type;
    struct stat st {};
    stat(("/proc/self/ns/" + file).c_str(), &st);
    std::string ino = std::to_string(st.st_ino);
    std::string var = type;
    for (char& c : var) c = static_cast<char>(toupper(c));
    if (n.contains("path") && !n["path"].get<std::string>().empty()) {
      const char* want = getenv(("NS_" + var).c_str());
      if (want) report(ino == want, "linux.namespaces " + type + " joined by path", ino);
    } else if (const char* host = getenv(("HOST_NS_" + var).c_str())) {
      report(ino != host, "linux.namespaces " + type + " is new", ino);
    }
  }
}

void check_devices(const json& devices) {
  for (const auto& d : devices) {
    std::string path = d["path"];
    struct stat st {};
    bool there = lstat(path.c_str(), &st) == 0;
    report(there, "linux.devices " + path + " exists");
    if (!there) continue;
    std::string type = d["type"];
    bool kind = type == "b"   ? S_ISBLK(st.st_mode)
                : type == "p" ? S_ISFIFO(st.st_mode)
                              : S_ISCHR(st.st_mode);
    report(kind, "linux.devices " + path + " type " + type);
    if (type != "p")
      report(major(st.st_rdev) == d["major"].get<unsigned>() &&
                 minor(st.st_rdev) == d["minor"].get<unsigned>(),
             "linux.devices " + path + " major:minor",
             std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev)));
    if (d.contains("fileMode"))
      report((st.st_mode & 07777) == d["fileMode"].get<mode_t>(),
             "linux.devices " + path + " fileMode");
    if (d.contains("uid"))
      report(st.st_uid == d["uid"].get<uid_t>(), "linux.devices " + path + " uid");
    if (d.contains("gid"))
      report(st.st_gid == d["gid"].get<gid_t>(), "linux.devices " + path + " gid");
  }
  for (auto [path, mnr] :
       std::initializer_list<std::pair<const char*, unsigned>>{{"/dev/null", 3},
                                                               {"/dev/zero", 5},
                                                               {"/dev/full", 7},
                                                               {"/dev/random", 8},
                                                               {"/dev/urandom", 9}}) {
    struct stat st {};
    report(stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
               minor(st.st_rdev) == mnr,
           std::string("default device ") + path);
  }
  struct stat st {};
  report(stat("/dev/tty", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5,
         "default device /dev/tty");
  char target[64] = "";
  report(
      readlink("/dev/fd", target, sizeof target - 1) > 0 && std::string(target) == "/proc/self/fd",
      "default link /dev/fd", target);
}

void check_paths(const json& lx) {
  for (const auto& p : lx.value("maskedPaths", json::array())) {
    std::string path = p;
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) continue;  // absent: nothing to mask
    if (S_ISDIR(st.st_mode)) {
      int entries = 0;
      if (DIR* d = opendir(path.c_str())) {
        while (dirent* e = readdir(d)) entries += e->d_name[0] != '.';
        closedir(d);
      }
      report(entries == 0, "linux.maskedPaths " + path + " is empty");
    } else {
      report(slurp(path).empty(), "linux.maskedPaths " + path + " reads empty");
    }
  }
  for (const auto& p : lx.value("readonlyPaths", json::array())) {
    struct statvfs v {};
    if (statvfs(p.get<std::string>().c_str(), &v) != 0) continue;
    report(v.f_flag & ST_RDONLY, "linux.readonlyPaths " + p.get<std::string>());
  }
  const json sysctl = lx.value("sysctl", json::object());
  for (const auto& [key, value] : sysctl.items()) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    report(trim(slurp(path)) == value.get<std::string>(), "linux.sysctl " + key, trim(slurp(path)));
  }
}

void check_linux(const json& lx) {
  check_namespaces(lx.value("namespaces", json::array()));
  check_devices(lx.value("devices", json::array()));
  check_paths(lx);
  for (const char* kind : {"uid", "gid"}) {
    std::string key = std::string(kind) + "Mappings";
    if (!lx.contains(key)) continue;
    std::istringstream in(slurp(std::string("/proc/self/") + kind + "_map"));
    std::vector<std::string> have;
    for (uint64_t a, b, c; in >> a >> b >> c;) have.push_back(fmt_map(a, b, c));
    std::vector<std::string> want;
    for (const auto& m : lx[key]) want.push_back(fmt_map(m["containerID"], m["hostID"], m["size"]));
    report(have == want, "linux." + key);
  }
  if (lx.contains("personality")) {
    int current = personality(0xffffffff);
    int want = lx["personality"]["domain"] == "LINUX32" ? PER_LINUX32 : PER_LINUX;
    report((current & PER_MASK) == want, "linux.personality", std::to_string(current));
  }
  if (lx.contains("rootfsPropagation")) {
    std::string want = lx["rootfsPropagation"];
    std::string optional;
    for (const auto& i : mountinfo())
      if (i.point == "/") optional = i.optional;
    bool shared = optional.find("shared:") != std::string::npos;
    bool slave = optional.find("master:") != std::string::npos;
    bool ok = want.find("shared") != std::string::npos  ? shared
              : want.find("slave") != std::string::npos ? slave
                                                        : !shared && !slave;
    report(ok, "linux.rootfsPropagation " + want, optional);
  }
  if (lx.contains("seccomp")) {
    report(status_field("Seccomp") == "2", "linux.seccomp: a filter is loaded",
           status_field("Seccomp"));
    for (const auto& r : lx["seccomp"].value("syscalls", json::array())) {
      if (r["action"] != "SCMP_ACT_ERRNO" || r.contains("args")) continue;
      for (const auto& name : r["names"]) {
        if (name != "mkdir" && name != "mkdirat") continue;
        errno = 0;
        long rc = name == "mkdir" ? syscall(SYS_mkdir, "/oci-check-denied", 0755)
                                  : syscall(SYS_mkdirat, AT_FDCWD, "/oci-check-denied", 0755);
        int want = r.value("errnoRet", EPERM);
        report(rc == -1 && errno == want,
               "linux.seccomp " + name.get<std::string>() + " fails with " + std::to_string(want),
               std::to_string(errno));
      }
    }
  }
  if (lx.contains("timeOffsets")) {
    std::map<std::string, long> have;
    std::istringstream in(slurp("/proc/self/timens_offsets"));
    std::string clock;
    for (long secs, nsecs; in >> clock >> secs >> nsecs;) have[clock] = secs;
    for (const auto& [name, o] : lx["timeOffsets"].items())
      report(have[name] == o.value("secs", 0L), "linux.timeOffsets " + name,
             std::to_string(have[name]));
  }
}

}  // namespace

void check_all(const json& config);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: oci_check CONFIG.json\n");
    return 2;
  }
  errno = 0;
  std::string text = slurp(argv[1]);
  auto config = json::parse(text, nullptr, false);
  if (config.is_discarded()) {
    std::printf("not ok 1 - %s is not JSON (%zu bytes read; %s)\n", argv[1], text.size(),
                std::strerror(errno));
    return 1;
  }
  try {
    check_all(config);
  } catch (const std::exception& e) {
    report(false, "the checker itself", e.what());
  }
  std::printf("1..%d\n# %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}

void check_all(const json& config) {
  check_process(config.value("process", json::object()));
  if (config.contains("hostname") && !config["hostname"].get<std::string>().empty()) {
    char h[256] = "";
    gethostname(h, sizeof h);
    report(config["hostname"] == h, "hostname", h);
  }
  if (config.contains("domainname")) {
    char d[256] = "";
    getdomainname(d, sizeof d);
    report(config["domainname"] == d, "domainname", d);
  }
  struct statvfs root {};
  statvfs("/", &root);
  report(((root.f_flag & ST_RDONLY) != 0) == config["root"].value("readonly", false),
         "root.readonly");
  check_mounts(config.value("mounts", json::array()));
  check_linux(config.value("linux", json::object()));
}
