#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nucleus::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

[[noreturn]] void exec_child(const std::vector<std::string>& args, const RunOptions& o, int in,
                             int out, int err) {
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  int keep = o.stray_fd;
  if (keep >= 0 && o.stray_as >= 0 && o.stray_as != keep) keep = dup2(keep, o.stray_as);
  for (int fd = 3; fd < 1024; fd++)
    if (fd != keep) close(fd);
  if (keep >= 0) fcntl(keep, F_SETFD, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (const auto& e : o.env) putenv(const_cast<char*>(e.c_str()));
  if (o.as_uid != 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(o.as_uid, o.as_uid, o.as_uid) != 0 ||
        setresuid(o.as_uid, o.as_uid, o.as_uid) != 0)
      _exit(99);
  }
  std::vector<char*> argv;
  std::string bin = NUCLEUS_BIN;
  argv.push_back(bin.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(bin.c_str(), argv.data());
  _exit(98);
}

}  // namespace

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  return lines;
}

bool is_root() {
  return geteuid() == 0;
}

bool cgroup_v2() {
  struct statfs st {};
  return statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

RunResult run(const std::vector<std::string>& args, const RunOptions& o) {
  int inp[2], outp[2], errp[2];
  if (pipe2(inp, O_CLOEXEC) || pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) abort();
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = fork();
  if (pid == 0) exec_child(args, o, o.pass_stdin ? inp[0] : devnull, outp[1], errp[1]);
  close(inp[0]);
  close(outp[1]);
  close(errp[1]);
  close(devnull);
  if (!o.stdin_data.empty() && write(inp[1], o.stdin_data.data(), o.stdin_data.size()) < 0) {
  }
  close(inp[1]);
  RunResult r;
  int64_t deadline = now_ms() + o.timeout_s * 1000LL;
  bool signalled = false, out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? outp[0] : -1, POLLIN, 0}, {err_open ? errp[0] : -1, POLLIN, 0}};
    int left = static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
    if (poll(fds, 2, left) == 0) {
      kill(pid, SIGKILL);
      ADD_FAILURE() << "nucleus timed out: " << ::testing::PrintToString(args);
      break;
    }
    char buf[65536];
    for (int i = 0; i < 2; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
    }
    if (o.signal_after_ready && !signalled && r.err.find("probe: waiting") != std::string::npos) {
      kill(pid, o.signal_after_ready);
      signalled = true;
    }
  }
  close(outp[0]);
  close(errp[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

RunResult run_on_terminal(const std::vector<std::string>& args, int rows, int cols) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) abort();
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  winsize ws{};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  ioctl(slave, TIOCSWINSZ, &ws);
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    exec_child(args, RunOptions{}, slave, slave, slave);
  }
  close(slave);
  RunResult r;
  char buf[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 30000) <= 0) break;
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the last holder of the slave has gone
    r.out.append(buf, static_cast<size_t>(n));
  }
  close(master);
  int st = 0;
  waitpid(pid, &st, 0);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

RunResult run_to_files(const std::vector<std::string>& args, const std::string& out_path,
                       const std::string& err_path) {
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t pid = fork();
  if (pid == 0) exec_child(args, RunOptions{}, devnull, out, err);
  close(devnull);
  close(out);
  close(err);
  RunResult r;
  int st = 0;
  waitpid(pid, &st, 0);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

pid_t spawn(const std::vector<std::string>& args) {
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  pid_t pid = fork();
  if (pid == 0) exec_child(args, RunOptions{}, devnull, devnull, devnull);
  close(devnull);
  return pid;
}

// Where nucleus makes cgroups: /nucleus under the v2 root and under every v1 hierarchy.
std::vector<std::string> nucleus_cgroup_parents() {
  std::vector<std::string> out = {"/sys/fs/cgroup/nucleus"};
  std::error_code ec;
  if (cgroup_v2()) return out;
  for (auto& h : std::filesystem::directory_iterator("/sys/fs/cgroup", ec))
    out.push_back(h.path().string() + "/nucleus");
  return out;
}

const std::string& probe_dir() {
  static const std::string dir = [] {
    std::string d = "/tmp/nucleus-test-probe";
    mkdir(d.c_str(), 0755);
    std::filesystem::copy_file(PROBE_BIN, d + "/probe",
                               std::filesystem::copy_options::overwrite_existing);
    chmod((d + "/probe").c_str(), 0755);
    return d;
  }();
  return dir;
}

nlohmann::json probe(const std::vector<std::string>& flags, const std::vector<std::string>& checks,
                     RunResult* raw, const RunOptions& opts) {
  std::vector<std::string> args = {"run", "--context", probe_dir(), "--context-mode", "bind"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back("--");
  args.push_back("/context/probe");
  args.insert(args.end(), checks.begin(), checks.end());
  RunResult r = run(args, opts);
  if (raw) *raw = r;
  size_t start = r.out.find('{');
  if (start == std::string::npos) {
    ADD_FAILURE() << "no probe output; exit " << r.code << "; stderr: " << r.err;
    return nlohmann::json::object();
  }
  try {
    return nlohmann::json::parse(r.out.substr(start));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "bad probe output: " << r.out;
    return nlohmann::json::object();
  }
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/nucleus-test-XXXXXX";
  path_ = mkdtemp(tmpl);
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name, const std::string& content, mode_t mode) const {
  std::string p = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream(p) << content;
  chmod(p.c_str(), mode);
  return p;
}

HostState HostState::capture() {
  HostState s;
  std::istringstream mi(slurp("/proc/self/mountinfo"));
  for (std::string line; std::getline(mi, line);) {
    // mount ID and parent ID change with remounts elsewhere; compare what is mounted where.
    std::istringstream ls(line);
    std::string id, parent, dev, root, point;
    ls >> id >> parent >> dev >> root >> point;
    s.mounts.push_back(root + " " + point);
  }
  std::sort(s.mounts.begin(), s.mounts.end());
  for (const auto& dir : nucleus_cgroup_parents()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    s.cgroups.insert(dir);
    for (auto& c : std::filesystem::directory_iterator(dir, ec))
      if (c.is_directory()) s.cgroups.insert(c.path().string());
  }
  std::error_code ec;
  static const std::set<std::string> kept_by_design = {".lock", "platform", "checkpoint.key",
                                                       "criu-check"};
  for (auto& e : std::filesystem::recursive_directory_iterator("/run/nucleus", ec))
    // The names lock, the probed gVisor platform, the checkpoint key and the cached `criu
    // check` stay by design.
    if (!e.is_directory() && !kept_by_design.count(e.path().filename().string()))
      s.state_files.insert(e.path().string());
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    pid_t pid = atoi(e->d_name);
    if (pid <= 0) continue;
    std::string stat = slurp("/proc/" + std::string(e->d_name) + "/stat");
    size_t rp = stat.rfind(')');
    if (rp == std::string::npos) continue;
    std::istringstream ss(stat.substr(rp + 2));
    char state;
    pid_t ppid;
    ss >> state >> ppid;
    if (ppid == getpid() && state != 'Z') s.children.insert(pid);
  }
  if (d) closedir(d);
  return s;
}

void make_busybox_rootfs(const std::string& dir) {
  if (access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
  std::filesystem::create_directories(dir + "/bin");
  std::filesystem::copy_file("/bin/busybox", dir + "/bin/busybox");
  for (const char* tool : {"sh", "echo", "cat", "ls", "sleep", "id", "touch", "mkdir", "true",
                           "false", "stat", "hostname", "grep", "wc", "head", "kill"})
    std::filesystem::create_symlink("busybox", dir + "/bin/" + tool);
  std::filesystem::copy_file(PROBE_BIN, dir + "/probe");
  chmod((dir + "/probe").c_str(), 0755);
  for (const char* d : {"proc", "dev", "sys", "tmp", "etc"})
    std::filesystem::create_directories(dir + "/" + d);
}

void expect_refused(const std::vector<std::string>& args, const std::string& needle,
                    const RunOptions& opts) {
  RunResult r = run(args, opts);
  std::string what = ::testing::PrintToString(args) + ": " + r.err;
  EXPECT_EQ(r.code, 125) << what;
  EXPECT_NE(r.err.find(needle), std::string::npos) << needle << " in " << what;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what;
  EXPECT_EQ(r.err.rfind("nucleus: ", 0), 0u) << what;
}

void expect_run_refused(const std::vector<std::string>& flags, const std::string& needle,
                        const RunOptions& opts) {
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"--", "true"});
  expect_refused(args, needle, opts);
}

void IntegrationTest::SetUp() {
  if (!is_root()) GTEST_SKIP() << "integration tests need root";
  // Detached monitors outlive the nucleus that forked them: as subreaper the test adopts them,
  // so one left running shows up among its children.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  before_ = HostState::capture();
}

void IntegrationTest::TearDown() {
  if (!is_root()) return;
  // Adopted processes (monitors, exec -d) that were killed may still be exiting: reap them.
  HostState after;
  for (int i = 0; i < 100; i++) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    after = HostState::capture();
    if (after.children.empty()) break;
    usleep(10000);
  }
  EXPECT_EQ(after.mounts, before_.mounts) << "mounts changed on the host";
  EXPECT_EQ(after.cgroups, before_.cgroups) << "cgroups left on the host";
  EXPECT_EQ(after.state_files, before_.state_files) << "state files left";
  std::string left;
  for (pid_t p : after.children)
    left += " " + std::to_string(p) + ":" + slurp("/proc/" + std::to_string(p) + "/cmdline");
  EXPECT_TRUE(after.children.empty()) << "processes left:" << left;
  // One failed test must not fail every later one: clear what it left (the failure stands).
  if (after.state_files != before_.state_files || !after.children.empty()) {
    for (const std::string& id : split_lines(run({"ps", "-a", "-q"}).out)) run({"rm", "-f", id});
    for (pid_t p : after.children) kill(p, SIGKILL);
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
}

}  // namespace nucleus::testing
