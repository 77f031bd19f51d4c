/* probe: runs inside a container and reports, as one JSON object on stdout, what it sees and
 * what it may do. Static, no dependencies, so it runs on any root filesystem.
 *
 *   probe [CHECK...]
 *     write=PATH   create PATH            read=PATH    open PATH for reading
 *     exec=PATH    execve PATH (in a child; reports its errno, or 0 if it ran)
 *     mkdir=PATH   mkdir PATH             syscall=NAME mount|unshare|ptrace|keyctl|bpf|setns|
 *                                                      userfaultfd|perf_event_open|io_uring_setup|
 *                                                      chroot|socket_packet|wx_mmap|clone_newuser|
 *                                                      personality|unlisted (1000+signal if killed)
 *     alloc=MIB    allocate and touch MIB MiB (then report)
 *     forks=N      fork N sleeping children; report how many succeeded
 *     listen=PORT  TCP server + client on 127.0.0.1:PORT, report 0 when a byte went through
 *     notify=STATE send STATE (';' for newlines) to $NOTIFY_SOCKET, as sd_notify(3)
 *     devopen=c:MAJ:MIN  mknod such a device in /tmp and open it (0, or the errno)
 *     wait-signal  wait for SIGUSR1/2, SIGTERM, SIGINT, SIGHUP, SIGQUIT; exit 100+signo
 *     exit=N       exit with N after reporting
 * Each check reports 0 on success or the errno it failed with. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static void json_str(const char* key, const char* val, int* first) {
  printf("%s\"%s\":\"", *first ? "" : ",", key);
  for (const char* p = val; *p; p++) {
    if (*p == '"' || *p == '\\') putchar('\\');
    if ((unsigned char)*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
  *first = 0;
}

static void json_int(const char* key, long long v, int* first) {
  printf("%s\"%s\":%lld", *first ? "" : ",", key, v);
  *first = 0;
}

static void read_file(const char* path, char* buf, size_t n) {
  buf[0] = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t r = read(fd, buf, n - 1);
  buf[r > 0 ? r : 0] = 0;
  close(fd);
}

static const char* status_field(const char* status, const char* name, char* out, size_t n) {
  out[0] = 0;
  const char* p = strstr(status, name);
  if (!p) return out;
  p += strlen(name);
  while (*p == ':' || *p == '\t' || *p == ' ') p++;
  size_t i = 0;
  while (p[i] && p[i] != '\n' && i + 1 < n) {
    out[i] = p[i];
    i++;
  }
  out[i] = 0;
  return out;
}

static int try_syscall(const char* name) {
  long r = -1;
  errno = 0;
  if (!strcmp(name, "mount"))
    r = mount("none", "/tmp", "tmpfs", 0, NULL);
  else if (!strcmp(name, "unshare"))
    r = unshare(CLONE_NEWNS);
  else if (!strcmp(name, "clone_newuser"))
    r = unshare(CLONE_NEWUSER);
  else if (!strcmp(name, "setns"))
    r = setns(0, 0);
  else if (!strcmp(name, "ptrace"))
    r = ptrace(PTRACE_TRACEME, 0, 0, 0);
  else if (!strcmp(name, "keyctl"))
    r = syscall(SYS_keyctl, 0, 0, 0, 0, 0);
  else if (!strcmp(name, "bpf"))
    r = syscall(SYS_bpf, 0, 0, 0);
  else if (!strcmp(name, "userfaultfd"))
    r = syscall(SYS_userfaultfd, 0);
  else if (!strcmp(name, "perf_event_open"))
    r = syscall(SYS_perf_event_open, 0, 0, -1, -1, 0);
  else if (!strcmp(name, "io_uring_setup"))
    r = syscall(SYS_io_uring_setup, 1, 0);
  else if (!strcmp(name, "chroot"))
    r = chroot("/");
  else if (!strcmp(name, "socket_packet"))
    r = socket(AF_PACKET, SOCK_RAW, 0);
  else if (!strcmp(name, "wx_mmap")) {
    void* p =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = p == MAP_FAILED ? -1 : 0;
  } else if (!strcmp(name, "personality")) {
    r = syscall(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */);
  } else if (!strcmp(name, "unlisted")) {
    /* tuxcall: in no allowlist; the filter kills the caller (1000 + the signal) */
    pid_t pid = fork();
    if (pid == 0) _exit(syscall(SYS_tuxcall) < 0 ? errno : 0);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return errno;
    return WIFSIGNALED(status) ? 1000 + WTERMSIG(status) : WEXITSTATUS(status);
  } else
    return -EINVAL;
  return r >= 0 ? 0 : errno;
}

/* devopen=c:MAJ:MIN: make such a node in /tmp and open it; 0, or the errno of the failing step */
static int try_devopen(const char* spec) {
  unsigned maj = 0, mnr = 0;
  char type = 0;
  if (sscanf(spec, "%c:%u:%u", &type, &maj, &mnr) != 3) return EINVAL;
  char path[64];
  snprintf(path, sizeof path, "/tmp/probe-dev-%u-%u", maj, mnr);
  unlink(path);
  if (mknod(path, (type == 'b' ? S_IFBLK : S_IFCHR) | 0600, makedev(maj, mnr)) != 0) return errno;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  int r = fd < 0 ? errno : 0;
  if (fd >= 0) close(fd);
  unlink(path);
  return r;
}

static int try_exec(const char* path) {
  pid_t pid = fork();
  if (pid == 0) {
    char* argv[] = {(char*)path, NULL};
    char* envp[] = {NULL};
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execve(path, argv, envp);
    _exit(200 + (errno & 0x3f));
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) >= 200) return WEXITSTATUS(st) - 200;
  return 0;
}

static int try_alloc(long mib) {
  size_t n = (size_t)mib << 20;
  volatile char* p = malloc(n); /* volatile: the stores must happen */
  if (!p) return ENOMEM;
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  return p[n / 2] == 1 ? 0 : EIO;
}

static long try_forks(long n) {
  long ok = 0;
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      pause();
      _exit(0);
    }
    if (pid < 0) break;
    ok++;
  }
  return ok;
}

static int try_notify(const char* state) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == NULL || (path[0] != '/' && path[0] != '@')) return ENOENT;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if (len >= sizeof a.sun_path) return ENAMETOOLONG;
  memcpy(a.sun_path, path, len);
  if (path[0] == '@') a.sun_path[0] = 0;
  char msg[512];
  size_t n = 0;
  for (; state[n] && n < sizeof msg - 1; n++) msg[n] = state[n] == ';' ? '\n' : state[n];
  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  int r = sendto(s, msg, n, 0, (struct sockaddr*)&a,
                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0
              ? errno
              : 0;
  close(s);
  return r;
}

static int try_listen(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || c < 0) return errno;
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, (struct sockaddr*)&a, sizeof a) || listen(s, 1)) return errno;
  if (connect(c, (struct sockaddr*)&a, sizeof a)) return errno;
  int x = accept(s, NULL, NULL);
  if (x < 0) return errno;
  char b = 'x';
  if (write(c, &b, 1) != 1 || read(x, &b, 1) != 1) return EIO;
  close(x);
  close(c);
  close(s);
  return 0;
}

static int parse_target(const char* target, struct sockaddr_in* a) {
  char ip[64];
  const char* colon = strrchr(target, ':');
  if (!colon || colon - target >= (long)sizeof ip) return EINVAL;
  memcpy(ip, target, colon - target);
  ip[colon - target] = 0;
  a->sin_family = AF_INET;
  a->sin_port = htons(atoi(colon + 1));
  if (inet_pton(AF_INET, ip, &a->sin_addr) == 1) return 0;
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
  if (getaddrinfo(ip, NULL, &hints, &res) != 0) return EINVAL;
  a->sin_addr = ((struct sockaddr_in*)res->ai_addr)->sin_addr;
  freeaddrinfo(res);
  return 0;
}

/* The first IPv4 address of a name through the resolver (/etc/hosts, /etc/resolv.conf), into
   out; "" when it does not resolve. */
static void resolve(const char* name, char* out, size_t len) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
  out[0] = 0;
  if (getaddrinfo(name, NULL, &hints, &res) != 0) return;
  inet_ntop(AF_INET, &((struct sockaddr_in*)res->ai_addr)->sin_addr, out, len);
  freeaddrinfo(res);
}

/* A UDP datagram to "A.B.C.D:PORT", then a reply awaited for 2 s: 0 when one came, the errno
   of the send (EPERM when a local firewall rejects it) or of an ICMP error, or ETIMEDOUT. */
static int try_udp(const char* target) {
  struct sockaddr_in a = {0};
  if (parse_target(target, &a)) return EINVAL;
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return errno;
  int r = 0;
  char b = 'x';
  if (connect(s, (struct sockaddr*)&a, sizeof a) != 0 || send(s, &b, 1, 0) != 1) {
    r = errno;
  } else {
    struct pollfd p = {.fd = s, .events = POLLIN};
    if (poll(&p, 1, 2000) != 1)
      r = ETIMEDOUT;
    else if (recv(s, &b, 1, 0) < 0)
      r = errno;
  }
  close(s);
  return r;
}

/* TCP connect to "A.B.C.D:PORT" within 3 s: 0, the errno (ECONNREFUSED for a reset,
   ENETUNREACH without a route), or ETIMEDOUT when nothing answered. */
static int try_connect(const char* target) {
  struct sockaddr_in a = {0};
  if (parse_target(target, &a)) return EINVAL;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (s < 0) return errno;
  int r = 0;
  if (connect(s, (struct sockaddr*)&a, sizeof a) != 0) {
    r = errno;
    if (r == EINPROGRESS) {
      struct pollfd p = {.fd = s, .events = POLLOUT};
      socklen_t len = sizeof r;
      if (poll(&p, 1, 3000) != 1)
        r = ETIMEDOUT;
      else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &r, &len) != 0)
        r = errno;
    }
  }
  close(s);
  return r;
}

static volatile sig_atomic_t got_signal;
static void on_signal(int s) {
  got_signal = s;
}

int main(int argc, char** argv) {
  char buf[8192], field[256], host[256] = "";
  int first = 1, exit_code = 0, wait_signal = 0;
  printf("{");
  json_int("pid", getpid(), &first);
  json_int("ppid", getppid(), &first);
  json_int("uid", getuid(), &first);
  json_int("gid", getgid(), &first);
  gethostname(host, sizeof host);
  json_str("hostname", host, &first);
  if (getcwd(buf, sizeof buf)) json_str("cwd", buf, &first);
  read_file("/proc/self/status", buf, sizeof buf);
  json_str("cap_eff", status_field(buf, "CapEff", field, sizeof field), &first);
  json_str("cap_prm", status_field(buf, "CapPrm", field, sizeof field), &first);
  json_str("cap_bnd", status_field(buf, "CapBnd", field, sizeof field), &first);
  json_str("cap_amb", status_field(buf, "CapAmb", field, sizeof field), &first);
  json_str("cap_inh", status_field(buf, "CapInh", field, sizeof field), &first);
  json_str("no_new_privs", status_field(buf, "NoNewPrivs", field, sizeof field), &first);
  json_str("seccomp", status_field(buf, "Seccomp", field, sizeof field), &first);
  read_file("/proc/net/dev", buf, sizeof buf);
  json_str("net_dev", buf, &first);
  read_file("/proc/self/cgroup", buf, sizeof buf);
  json_str("cgroup", buf, &first);
  json_int("isatty0", isatty(0), &first);
  int maxfd = -1;
  for (int fd = 3; fd < 1024; fd++)
    if (fcntl(fd, F_GETFD) >= 0) maxfd = fd;
  json_int("max_open_fd", maxfd, &first);
  printf(",\"checks\":{");
  int cfirst = 1;
  for (int i = 1; i < argc; i++) {
    char* eq = strchr(argv[i], '=');
    const char* arg = eq ? eq + 1 : "";
    int r = 0;
    if (!strncmp(argv[i], "write=", 6)) {
      int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      r = fd < 0 ? errno : 0;
      if (fd >= 0) {
        if (write(fd, "x", 1) != 1) r = errno;
        close(fd);
      }
    } else if (!strncmp(argv[i], "read=", 5)) {
      int fd = open(arg, O_RDONLY | O_CLOEXEC);
      r = fd < 0 ? errno : 0;
      if (fd >= 0) close(fd);
    } else if (!strncmp(argv[i], "mkdir=", 6)) {
      r = mkdir(arg, 0755) ? errno : 0;
    } else if (!strncmp(argv[i], "exec=", 5)) {
      r = try_exec(arg);
    } else if (!strncmp(argv[i], "syscall=", 8)) {
      r = try_syscall(arg);
    } else if (!strncmp(argv[i], "alloc=", 6)) {
      r = try_alloc(atol(arg));
    } else if (!strncmp(argv[i], "forks=", 6)) {
      r = (int)try_forks(atol(arg));
    } else if (!strncmp(argv[i], "connect=", 8)) {
      r = try_connect(arg);
    } else if (!strncmp(argv[i], "resolve=", 8)) {
      resolve(arg, field, sizeof field);
      json_str(argv[i], field, &cfirst);
      continue;
    } else if (!strncmp(argv[i], "udp=", 4)) {
      r = try_udp(arg);
    } else if (!strncmp(argv[i], "devopen=", 8)) {
      r = try_devopen(arg);
    } else if (!strncmp(argv[i], "notify=", 7)) {
      r = try_notify(arg);
    } else if (!strncmp(argv[i], "listen=", 7)) {
      r = try_listen(atoi(arg));
    } else if (!strcmp(argv[i], "wait-signal")) {
      wait_signal = 1;
      continue;
    } else if (!strncmp(argv[i], "exit=", 5)) {
      exit_code = atoi(arg);
      continue;
    } else {
      r = -1;
    }
    json_int(argv[i], r, &cfirst);
  }
  printf("}}\n");
  fflush(stdout);
  if (wait_signal) {
    struct sigaction sa = {.sa_handler = on_signal};
    int sigs[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP, SIGQUIT};
    for (int i = 0; i < 6; i++) sigaction(sigs[i], &sa, NULL);
    /* tell the test we are ready: it waits for this line on stderr */
    fprintf(stderr, "probe: waiting for a signal\n");
    while (!got_signal) pause();
    return 100 + got_signal;
  }
  return exit_code;
}
