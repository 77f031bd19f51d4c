#include "container/oci_documents.h"

#include <nlohmann/json.hpp>

#include "security/capability_names.h"
#include "security/seccomp_oci.h"
#include "security/seccomp_profile.h"

namespace nucleus::container::oci {
namespace {

using nlohmann::json;

json capability_names() {
  json out = json::array();
  for (int c = 0; c <= security::kLastKnownCap; c++)
    out.push_back("CAP_" + std::string(security::capability_name(c)));
  return out;
}

}  // namespace

std::string features() {
  json seccomp{{"enabled", true},
               {"actions",
                {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                 "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                 "SCMP_ACT_TRAP"}},
               {"operators",
                {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                 "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}},
               {"archs", {"SCMP_ARCH_X86_64"}},
               {"knownFlags",
                {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                 "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
               {"supportedFlags",
                {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                 "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}}};
  json doc{
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.2.0"},
      {"hooks",
       {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions",
       {"bind",        "rbind",      "ro",       "rw",          "nosuid",     "suid",
        "nodev",       "dev",        "noexec",   "exec",        "noatime",    "relatime",
        "strictatime", "nodiratime", "diratime", "nosymfollow", "private",    "rprivate",
        "shared",      "rshared",    "slave",    "rslave",      "unbindable", "runbindable"}},
      {"linux",
       {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
        {"capabilities", capability_names()},
        {"cgroup",
         {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
        {"seccomp", seccomp},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", true}}}}}}},
      {"annotations",
       {{"org.opencontainers.runtime-spec.features.annotations", "nucleus"},
        {"org.nucleus.landlock", "Landlock rules (docs/oci.md)"},
        {"org.nucleus.landlock.scope", "abstract-unix,signal (Landlock ABI 6)"}}}};
  return doc.dump(2) + "\n";
}

std::string default_config(bool rootless) {
  json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  json namespaces = json::array({{{"type", "pid"}},
                                 {{"type", "network"}},
                                 {{"type", "ipc"}},
                                 {{"type", "uts"}},
                                 {{"type", "mount"}},
                                 {{"type", "cgroup"}}});
  json lx{
      {"namespaces", namespaces},
      {"maskedPaths",
       {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/proc/scsi"}},
      {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
      {"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
      {"seccomp", security::seccomp::to_oci(security::seccomp::default_profile())}};
  if (rootless) {
    lx["namespaces"].push_back({{"type", "user"}});
    lx["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
    lx["gidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
    lx.erase("resources");
  }
  json doc{
      {"ociVersion", "1.2.0"},
      {"process",
       {{"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env",
         {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "nucleus"},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"},
         {"type", "tmpfs"},
         {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"},
         {"type", "devpts"},
         {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/shm"},
         {"type", "tmpfs"},
         {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/dev/mqueue"},
         {"type", "mqueue"},
         {"source", "mqueue"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/sys"},
         {"type", "sysfs"},
         {"source", "sysfs"},
         {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/sys/fs/cgroup"},
         {"type", "cgroup"},
         {"source", "cgroup"},
         {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}}}},
      {"linux", lx}};
  return doc.dump(2) + "\n";
}

}  // namespace nucleus::container::oci
