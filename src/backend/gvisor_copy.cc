// nucleus cp for gVisor sandboxes. Their files live behind runsc's gofer and in the sandbox's own
// memory (/tmp), not under a host path nucleus could open, so the copy runs through `runsc exec`:
// in, the host's tar packs the source (read with the caller's authority) and tar inside the
// sandbox unpacks it; out, a regular file is streamed out with cat and written beside the
// destination, then renamed into place (never through a symlink). Both need sh, tar, mktemp and
// mv (in) or cat (out) in the container.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/gvisor.h"
#include "backend/gvisor_paths.h"
#include "backend/oci_bundle.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/scope_exit.h"

namespace nucleus::backend::gvisor {
namespace {

// Into an existing directory the source keeps its name ("." copies its content); otherwise it
// becomes the destination (unpacked beside it first, then moved).
constexpr const char* kUnpack =
    "set -e; dst=$1; name=$2\n"
    "if [ \"$name\" = . ]; then mkdir -p \"$dst\"; exec tar -x -o -C \"$dst\"; fi\n"
    "if [ -d \"$dst\" ] && [ ! -L \"$dst\" ]; then exec tar -x -o -C \"$dst\"; fi\n"
    "t=$(mktemp -d \"$(dirname \"$dst\")/.nucleus-cp.XXXXXX\")\n"
    "tar -x -o -C \"$t\" || { rm -rf \"$t\"; exit 1; }\n"
    "mv -f \"$t/$name\" \"$dst\" || { rm -rf \"$t\"; exit 1; }\n"
    "rmdir \"$t\"\n";

constexpr const char* kEmit =
    "if [ -f \"$1\" ] && [ ! -L \"$1\" ]; then exec cat -- \"$1\"; fi\n"
    "echo \"$1: not a regular file (only files are copied out of a gVisor container)\" >&2\n"
    "exit 3\n";

int wait_code(process::Child& c) {
  int st = 0;
  while (::waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {
  }
  c.pid = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// `runsc exec` of a shell script as the container's user, with the given stdin and stdout.
Result<process::Child> exec_script(const std::string& id, const spec::Spec& s, const char* script,
                                   const std::vector<std::string>& args, int in, int out) {
  spec::Process p = s.process;
  p.args = {"/bin/sh", "-c", script, "sh"};
  p.args.insert(p.args.end(), args.begin(), args.end());
  p.terminal = false;
  UniqueFd json = TRY(process::memfd_with(process_config(s, p), "nucleus-process"));
  auto argv = runsc_verb(TRY(find_runsc()));
  argv.insert(argv.end(), {"exec", "--process", "/proc/self/fd/3", id});
  return process::spawn(argv, {{in, out, -1}, false, {json.get()}});
}

Result<> check_path(const std::string& path, const std::string& id) {
  if (path.empty() || path[0] != '/')
    return fail_invalid("{}:{}: the container path must be absolute", id.substr(0, 12), path);
  return {};
}

}  // namespace

Result<> copy_in(const std::string& id, const spec::Spec& s, const std::string& host_src,
                 const std::string& container_dst) {
  TRY(check_path(container_dst, id));
  auto [parent, name] = fs::split_last(host_src);
  struct stat st {};
  if (::lstat(host_src.c_str(), &st) != 0) return fail_errno("{}", host_src);
  const char* tar = "/usr/bin/tar";
  if (::access(tar, X_OK) != 0) tar = "/bin/tar";
  TRY(process::check_trusted_executable(tar));
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe");
  UniqueFd r(p[0]), w(p[1]);
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  auto pack = TRY(process::spawn({tar, "-c", "-C", parent, "--", name},
                                 {{null.get(), w.get(), -1}, false, {}}));
  ScopeExit reap_pack([&] {
    if (pack.pid > 0) process::stop(pack);
  });
  auto unpack = exec_script(id, s, kUnpack, {container_dst, name}, r.get(), null.get());
  r.reset();
  w.reset();
  if (!unpack) return fail(unpack.error());
  int packed = wait_code(pack), unpacked = wait_code(*unpack);
  if (packed != 0) return fail_invalid("{}: tar could not read it (exit {})", host_src, packed);
  if (unpacked != 0)
    return fail_invalid("{}:{}: the copy into the sandbox failed (exit {})", id.substr(0, 12),
                        container_dst, unpacked);
  return {};
}

Result<> copy_out(const std::string& id, const spec::Spec& s, const std::string& container_src,
                  const std::string& host_dst) {
  TRY(check_path(container_src, id));
  std::string target = host_dst;
  struct stat st {};
  if (::lstat(host_dst.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      return fail_invalid("{}: refusing to write through a symlink", host_dst);
    if (S_ISDIR(st.st_mode)) target = host_dst + "/" + fs::split_last(container_src).second;
  }
  auto [parent, name] = fs::split_last(target);
  if (::lstat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return fail_invalid("{}: exists and is not a regular file", target);
  UniqueFd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return fail_errno("{}", parent);
  std::string temp = "." + name + ".nucleus-cp";
  ::unlinkat(dir.get(), temp.c_str(), 0);  // a crashed copy's (a symlink is removed, not followed)
  UniqueFd out(::openat(dir.get(), temp.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!out) return fail_errno("create {}/{}", parent, temp);
  bool done = false;
  ScopeExit remove_temp([&] {
    if (!done) ::unlinkat(dir.get(), temp.c_str(), 0);
  });
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  auto emit = TRY(exec_script(id, s, kEmit, {container_src}, null.get(), out.get()));
  if (int code = wait_code(emit); code != 0)
    return fail_invalid("{}:{}: could not copy it out (exit {})", id.substr(0, 12), container_src,
                        code);
  // runsc hands the descriptor to the sandbox, which makes it its own user's: take it back.
  if (::fchown(out.get(), ::geteuid(), ::getegid()) != 0 || ::fchmod(out.get(), 0644) != 0 ||
      ::fsync(out.get()) != 0)
    return fail_errno("{}", target);
  if (::renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) != 0)
    return fail_errno("rename to {}", target);
  done = true;
  return {};
}

}  // namespace nucleus::backend::gvisor
