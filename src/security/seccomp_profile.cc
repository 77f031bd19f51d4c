#include "security/seccomp_profile.h"

#include <linux/audit.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cerrno>
#include <initializer_list>

namespace nucleus::security::seccomp {
namespace {

// x86_64 numbers of syscalls newer than Debian 12's headers.
constexpr int kFutexWaitv = 449, kCachestat = 451, kFchmodat2 = 452, kMapShadowStack = 453,
              kFutexWake = 454, kFutexWait = 455, kFutexRequeue = 456, kMseal = 462,
              kSetxattrat = 463, kGetxattrat = 464, kListxattrat = 465, kRemovexattrat = 466;

constexpr std::initializer_list<int> kAllowed = {
    SYS_read, SYS_write, SYS_open, SYS_close, SYS_stat, SYS_fstat, SYS_lstat, SYS_poll,
    SYS_lseek, SYS_munmap, SYS_brk, SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn,
    SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev, SYS_access, SYS_pipe, SYS_select,
    SYS_sched_yield, SYS_mremap, SYS_msync, SYS_mincore, SYS_madvise, SYS_shmget, SYS_shmat,
    SYS_shmctl, SYS_dup, SYS_dup2, SYS_pause, SYS_nanosleep, SYS_getitimer, SYS_alarm,
    SYS_setitimer, SYS_getpid, SYS_sendfile, SYS_connect, SYS_accept, SYS_sendto, SYS_recvfrom,
    SYS_sendmsg, SYS_recvmsg, SYS_shutdown, SYS_bind, SYS_listen, SYS_getsockname,
    SYS_getpeername, SYS_socketpair, SYS_setsockopt, SYS_getsockopt, SYS_fork, SYS_vfork,
    SYS_execve, SYS_exit, SYS_wait4, SYS_kill, SYS_uname, SYS_semget, SYS_semop, SYS_semctl,
    SYS_shmdt, SYS_msgget, SYS_msgsnd, SYS_msgrcv, SYS_msgctl, SYS_fcntl, SYS_flock, SYS_fsync,
    SYS_fdatasync, SYS_truncate, SYS_ftruncate, SYS_getdents, SYS_getcwd, SYS_chdir,
    SYS_fchdir, SYS_rename, SYS_mkdir, SYS_rmdir, SYS_creat, SYS_link, SYS_unlink, SYS_symlink,
    SYS_readlink, SYS_chmod, SYS_fchmod, SYS_chown, SYS_fchown, SYS_lchown, SYS_umask,
    SYS_gettimeofday, SYS_getrlimit, SYS_getrusage, SYS_sysinfo, SYS_times, SYS_getuid,
    SYS_getgid, SYS_setuid, SYS_setgid, SYS_geteuid, SYS_getegid, SYS_setpgid, SYS_getppid,
    SYS_getpgrp, SYS_setsid, SYS_setreuid, SYS_setregid, SYS_getgroups, SYS_setgroups,
    SYS_setresuid, SYS_getresuid, SYS_setresgid, SYS_getresgid, SYS_getpgid, SYS_setfsuid,
    SYS_setfsgid, SYS_getsid, SYS_capget, SYS_capset, SYS_rt_sigpending, SYS_rt_sigtimedwait,
    SYS_rt_sigqueueinfo, SYS_rt_sigsuspend, SYS_sigaltstack, SYS_utime, SYS_mknod,
    SYS_statfs, SYS_fstatfs, SYS_getpriority, SYS_setpriority, SYS_sched_setparam,
    SYS_sched_getparam, SYS_sched_setscheduler, SYS_sched_getscheduler,
    SYS_sched_get_priority_max, SYS_sched_get_priority_min, SYS_sched_rr_get_interval,
    SYS_mlock, SYS_munlock, SYS_mlockall, SYS_munlockall, SYS_arch_prctl, SYS_setrlimit,
    SYS_sync, SYS_gettid, SYS_readahead, SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr,
    SYS_getxattr, SYS_lgetxattr, SYS_fgetxattr, SYS_listxattr, SYS_llistxattr, SYS_flistxattr,
    SYS_removexattr, SYS_lremovexattr, SYS_fremovexattr, SYS_tkill, SYS_time, SYS_futex,
    SYS_sched_setaffinity, SYS_sched_getaffinity, SYS_set_thread_area, SYS_io_setup,
    SYS_io_destroy, SYS_io_getevents, SYS_io_submit, SYS_io_cancel, SYS_get_thread_area,
    SYS_epoll_create, SYS_getdents64, SYS_set_tid_address, SYS_restart_syscall,
    SYS_semtimedop, SYS_fadvise64, SYS_timer_create, SYS_timer_settime, SYS_timer_gettime,
    SYS_timer_getoverrun, SYS_timer_delete, SYS_clock_gettime, SYS_clock_getres,
    SYS_clock_nanosleep, SYS_exit_group, SYS_epoll_wait, SYS_epoll_ctl, SYS_tgkill,
    SYS_utimes, SYS_mbind, SYS_set_mempolicy, SYS_get_mempolicy, SYS_mq_open, SYS_mq_unlink,
    SYS_mq_timedsend, SYS_mq_timedreceive, SYS_mq_notify, SYS_mq_getsetattr, SYS_waitid,
    SYS_ioprio_set, SYS_ioprio_get, SYS_inotify_init, SYS_inotify_add_watch,
    SYS_inotify_rm_watch, SYS_openat, SYS_mkdirat, SYS_mknodat, SYS_fchownat, SYS_futimesat,
    SYS_newfstatat, SYS_unlinkat, SYS_renameat, SYS_linkat, SYS_symlinkat, SYS_readlinkat,
    SYS_fchmodat, SYS_faccessat, SYS_pselect6, SYS_ppoll, SYS_set_robust_list,
    SYS_get_robust_list, SYS_splice, SYS_tee, SYS_sync_file_range, SYS_vmsplice,
    SYS_utimensat, SYS_epoll_pwait, SYS_signalfd, SYS_timerfd_create, SYS_eventfd,
    SYS_fallocate, SYS_timerfd_settime, SYS_timerfd_gettime, SYS_accept4, SYS_signalfd4,
    SYS_eventfd2, SYS_epoll_create1, SYS_dup3, SYS_pipe2, SYS_inotify_init1, SYS_preadv,
    SYS_pwritev, SYS_rt_tgsigqueueinfo, SYS_recvmmsg, SYS_prlimit64, SYS_syncfs,
    SYS_sendmmsg, SYS_getcpu, SYS_sched_setattr, SYS_sched_getattr, SYS_renameat2,
    SYS_seccomp, SYS_getrandom, SYS_memfd_create, SYS_execveat, SYS_membarrier, SYS_mlock2,
    SYS_copy_file_range, SYS_preadv2, SYS_pwritev2, SYS_pkey_alloc, SYS_pkey_free, SYS_statx,
    SYS_io_pgetevents, SYS_rseq, SYS_pidfd_send_signal, SYS_pidfd_open, SYS_close_range,
    SYS_openat2, SYS_faccessat2, SYS_epoll_pwait2, SYS_landlock_create_ruleset,
    SYS_landlock_add_rule, SYS_landlock_restrict_self, SYS_process_madvise, kFutexWaitv,
    kCachestat, kFchmodat2, kMapShadowStack, kFutexWake, kFutexWait, kFutexRequeue, kMseal,
    kSetxattrat, kGetxattrat, kListxattrat, kRemovexattrat,
};

constexpr std::initializer_list<int> kDeniedEperm = {
    SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_unshare, SYS_setns, SYS_ptrace,
    SYS_bpf, SYS_keyctl, SYS_add_key, SYS_request_key, SYS_perf_event_open, SYS_userfaultfd,
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register, SYS_open_by_handle_at,
    SYS_name_to_handle_at, SYS_kexec_load, SYS_kexec_file_load, SYS_init_module,
    SYS_finit_module, SYS_delete_module, SYS_swapon, SYS_swapoff, SYS_reboot, SYS_acct,
    SYS_quotactl, SYS_settimeofday, SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex,
    SYS_syslog, SYS_iopl, SYS_ioperm, SYS_vhangup, SYS_fsopen, SYS_fsconfig, SYS_fsmount,
    SYS_fspick, SYS_move_mount, SYS_open_tree, SYS_mount_setattr, SYS_process_vm_readv,
    SYS_process_vm_writev, SYS_pidfd_getfd, SYS_kcmp, SYS_lookup_dcookie, SYS_fanotify_init,
    SYS_fanotify_mark, SYS_modify_ldt, SYS_sethostname, SYS_setdomainname, SYS_migrate_pages,
    SYS_move_pages, SYS_uselib, SYS_ustat, SYS_sysfs, SYS_remap_file_pages,
};

// prctl options that ordinary programs use; the rest (PR_SET_MM, ...) fail with EPERM.
constexpr std::initializer_list<uint64_t> kPrctlAllowed = {
    PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_GET_KEEPCAPS,
    PR_SET_KEEPCAPS, PR_SET_NAME, PR_GET_NAME, PR_GET_SECCOMP, PR_SET_SECCOMP,
    PR_CAPBSET_READ, PR_GET_TSC, PR_GET_SECUREBITS, PR_SET_TIMERSLACK, PR_GET_TIMERSLACK,
    PR_MCE_KILL_GET, PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS,
    PR_GET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS, PR_SET_THP_DISABLE, PR_GET_THP_DISABLE,
    PR_GET_FP_MODE, PR_CAP_AMBIENT, PR_GET_SPECULATION_CTRL, PR_SET_SPECULATION_CTRL,
    0x53564d41 /* PR_SET_VMA */, 65 /* PR_SET_MDWE */, 66 /* PR_GET_MDWE */,
    0x59616d61 /* PR_SET_PTRACER */};

constexpr uint64_t kCloneNamespaceFlags = 0x7E020000ull;  // NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
constexpr uint64_t kLow32 = 0xffffffffull;
constexpr uint64_t kWriteExec = PROT_WRITE | PROT_EXEC;

Syscall allow_if_any(int nr, unsigned arg, std::initializer_list<uint64_t> values, int err) {
  Syscall sc{nr, {}, errno_action(err)};
  for (uint64_t v : values) sc.rules.push_back(Rule{{Cond{arg, kLow32, v}}, kAllow});
  return sc;
}

Syscall deny_write_exec(int nr) {
  return Syscall{nr, {Rule{{Cond{2, kWriteExec, kWriteExec}}, errno_action(EACCES)}}, kAllow};
}

}  // namespace

Profile default_profile() {
  Profile p{AUDIT_ARCH_X86_64, kKillProcess, {}};
  // Conditional entries first: compile() keeps the first entry of a syscall.
  p.syscalls.push_back(
      Syscall{SYS_clone, {Rule{{Cond{0, kCloneNamespaceFlags, 0}}, kAllow}}, errno_action(EPERM)});
  // clone3 passes its flags in memory, out of a filter's reach: glibc falls back to clone.
  p.syscalls.push_back(Syscall{SYS_clone3, {}, errno_action(ENOSYS)});
  p.syscalls.push_back(Syscall{SYS_ioctl,
                               {Rule{{Cond{1, kLow32, 0x5412 /* TIOCSTI */}}, errno_action(EPERM)},
                                Rule{{Cond{1, kLow32, 0x541C /* TIOCLINUX */}}, errno_action(EPERM)}},
                               kAllow});
  p.syscalls.push_back(
      allow_if_any(SYS_socket, 0, {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK}, EAFNOSUPPORT));
  p.syscalls.push_back(allow_if_any(SYS_prctl, 0, kPrctlAllowed, EPERM));
  p.syscalls.push_back(
      allow_if_any(SYS_personality, 0, {0x0, 0x8, 0x20000, 0x20008, 0xffffffff}, EPERM));
  for (int nr : {SYS_mmap, SYS_mprotect, SYS_pkey_mprotect}) p.syscalls.push_back(deny_write_exec(nr));
  for (int nr : kDeniedEperm) p.syscalls.push_back(Syscall{nr, {}, errno_action(EPERM)});
  for (int nr : kAllowed) p.syscalls.push_back(Syscall{nr, {}, kAllow});
  return p;
}

}  // namespace nucleus::security::seccomp
