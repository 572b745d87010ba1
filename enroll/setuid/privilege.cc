// SPDX-License-Identifier: BSD-3-Clause
// Taking back what the caller of a setuid program controls, and switching between the invoking
// user and root (see privilege.h and "SECURITY MODEL" in sshotp-enroll(8)).
#include "enroll/setuid/privilege.h"

#include <fcntl.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "enroll/program_name.h"
#include "enroll/setuid/cgroup_guard.h"

namespace sshotp::cli {
namespace {

// The credentials at start, and how deep inside Elevated scopes we are.
struct Identity {
  bool setuid = false;
  uid_t user_uid = 0;  // the real uid: the caller
  gid_t user_gid = 0;
  uid_t privileged_uid = 0;  // the effective uid at start: the owner of the setuid binary
  int depth = 0;
  sigset_t mask_outside{};  // the signal mask to restore when the outermost scope ends
  // The cgroup.procs of each cgroup the outermost scope left (cgroup_guard.h), to go back to
  // when it ends: the process sits in the root-owned refuge only while it is root.
  std::vector<std::string> cgroup_origins;
};
Identity g_identity;

// No exception and no stdio: this runs before main() has set anything up, and on the way out
// of a failed credential switch, where nothing else may run.
[[noreturn]] void die(const char* what) {
  const int error = errno;
  char line[256];
  const int n =
      std::snprintf(line, sizeof line, "%s: %s: %s\n", kProgramName, what, std::strerror(error));
  if (n > 0) {
    const auto size = std::min(static_cast<std::size_t>(n), sizeof line - 1);
    if (write(STDERR_FILENO, line, size) < 0) _exit(1);  // nowhere to tell; the status says it
  }
  _exit(1);
}

// A closed 0, 1 or 2 would be handed to the next file we open (the key file, the store), and
// the next error message or QR code would be written into it.
void open_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // The lowest free number is this one: those below it are open by now.
    if (open("/dev/null", O_RDWR) != fd) die("opening /dev/null for a closed standard stream");
  }
}

// Descriptors the caller left open (their files, sockets) have no business in a root process.
void close_inherited_descriptors() {
  if (close_range(3, ~0U, 0) == 0) return;
  // Kernels before 5.9: no descriptor can lie above the largest limit a user can be given.
  for (int fd = 3; fd < (1 << 20); ++fd) close(fd);
}

// Ignored signals and the signal mask survive execve(), and so do interval timers: all of them
// back to their defaults, so that the scopes below decide what may interrupt us.
void reset_signals() {
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &action, nullptr);  // fails, harmlessly, for the signals glibc reserves
  }
  // Exceeding a file size limit must fail the write (EFBIG) rather than end the process half-way
  // through creating the key file; the limit is lifted below anyway.
  action.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, nullptr) != 0) die("resetting the signal mask");
  const struct itimerval off {};
  for (int timer : {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF}) {
    if (setitimer(timer, &off, nullptr) != 0) die("disarming an inherited timer");
  }
}

// Resource limits are the caller's too. Too little CPU time, file size, memory, stack or
// descriptors would make us fail (or be killed) in the middle of writing; a core size limit
// above 0 is of no use to anyone (we are not dumpable either).
void reset_limits() {
  constexpr rlim_t kUnlimited = RLIM_INFINITY;
  struct Floor {
    decltype(RLIMIT_CPU) resource;
    rlim_t minimum;
  };
  constexpr Floor kFloors[] = {
      {RLIMIT_CPU, kUnlimited}, {RLIMIT_FSIZE, kUnlimited},      {RLIMIT_DATA, kUnlimited},
      {RLIMIT_AS, kUnlimited},  {RLIMIT_STACK, rlim_t{8} << 20}, {RLIMIT_NOFILE, 1024},
  };
  for (const Floor& floor : kFloors) {
    struct rlimit limit {};
    if (getrlimit(floor.resource, &limit) != 0) die("reading a resource limit");
    limit.rlim_cur = std::max(limit.rlim_cur, floor.minimum);
    limit.rlim_max = std::max(limit.rlim_max, floor.minimum);
    // Without CAP_SYS_RESOURCE (some containers) a hard limit the caller lowered stays low:
    // then refuse to run at all rather than fail half-way through a write.
    if (setrlimit(floor.resource, &limit) != 0) die("a resource limit is too low to run with");
  }
  const struct rlimit no_core {};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) die("disabling core dumps");
}

// A caller could start us at the lowest CPU and I/O priority (nice 19, SCHED_IDLE, ionice
// idle) to stretch the moments we hold the store's write lock, during which logins wait.
// Best effort: a failure here makes nothing unsafe.
void reset_scheduling() {
  setpriority(PRIO_PROCESS, 0, 0);
  const struct sched_param normal {};
  sched_setscheduler(0, SCHED_OTHER, &normal);
  syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, 0);  // class "none": follows the nice value
}

// Nothing is exec'd, but libraries read variables (TZ, TMPDIR, SQLITE_TMPDIR, OPENSSL_CONF, the
// locale): none is kept. Times are printed in UTC and syslog stamps them from /etc/localtime.
void clear_environment() {
  if (clearenv() != 0) die("clearing the environment");
  if (setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) != 0) die("setting PATH");
}

// Cgroup controllers (the freezer, cpu.max, a memory limit with the OOM killer off) reach a
// process whatever its credentials and signal mask: a caller who owns our cgroup could stall us
// inside a store transaction, and every login would wait out the busy timeout and fail for as
// long as they liked. So a root process first leaves any cgroup its caller controls
// (cgroup_guard.h), or refuses to run at all. Needs euid 0. Runs with root credentials, where
// an exception escaping (escape_caller_cgroups() allocates) would skip the way back to the
// user: anything thrown ends the process too.
void leave_callers_cgroups() noexcept {
  if (geteuid() != 0) return;
  try {
    const auto problem = cgroup::escape_caller_cgroups(g_identity.cgroup_origins);
    if (!problem) return;
    const std::string line = std::string(kProgramName) + ": refusing to run: " + *problem + "\n";
    if (write(STDERR_FILENO, line.data(), line.size()) < 0) _exit(1);
  } catch (...) {
    errno = ENOMEM;  // the only thing it throws: std::bad_alloc
    die("checking the cgroups");
  }
  _exit(1);
}

// Every switch is checked by reading the credentials back, and followed by PR_SET_DUMPABLE:
// the kernel resets it to fs.suid_dumpable whenever the effective uid changes.
void check_and_seal(bool switched, uid_t want_euid, const char* what) {
  uid_t real = 0;
  uid_t effective = 0;
  uid_t saved = 0;
  if (!switched || getresuid(&real, &effective, &saved) != 0 || effective != want_euid) die(what);
  if (prctl(PR_SET_DUMPABLE, 0) != 0) die(what);
}

// Acting as the invoking user: real and effective uid theirs, the saved uid kept so that
// Elevated can come back.
void become_user() {
  const Identity& id = g_identity;
  const bool switched = setresgid(id.user_gid, id.user_gid, id.user_gid) == 0 &&
                        setresuid(id.user_uid, id.user_uid, id.privileged_uid) == 0;
  check_and_seal(switched, id.user_uid, "dropping privileges");
}

// Acting as root: the real uid too, so that the caller may not signal us (kill(2) compares
// their uid with our real and saved uid), and gid 0, so that what we create is root:root.
void become_privileged() {
  const Identity& id = g_identity;
  bool switched = setresuid(id.privileged_uid, id.privileged_uid, id.privileged_uid) == 0;
  if (switched && id.privileged_uid == 0) switched = setresgid(0, 0, 0) == 0;
  check_and_seal(switched, id.privileged_uid, "regaining privileges");
}

}  // namespace

void secure_start() {
  open_standard_descriptors();
  g_identity.user_uid = getuid();
  g_identity.user_gid = getgid();
  g_identity.privileged_uid = geteuid();
  if (g_identity.user_uid == g_identity.privileged_uid) {
    // Root running it: a root process in a cgroup a user owns (sudo from a desktop session's
    // delegated user@UID.service) is as freezable as a setuid one.
    leave_callers_cgroups();
    return;
  }
  g_identity.setuid = true;
  if (prctl(PR_SET_DUMPABLE, 0) != 0) die("PR_SET_DUMPABLE");
  close_inherited_descriptors();
  reset_signals();
  reset_limits();  // raising a hard limit takes the privilege we still have here
  reset_scheduling();
  clear_environment();
  umask(077);
  // Refuse now, before anything is opened, if the process cannot leave its caller's cgroups;
  // each outermost Elevated scope leaves them again for its length (the caller could have
  // moved us back meanwhile: cgroup v1, or systemd's AttachProcessesToUnit, cgroup_guard.cc).
  leave_callers_cgroups();
  cgroup::return_to_origins(g_identity.cgroup_origins);
  // The working directory stays the caller's, for the files they name (--qr-png): nothing done
  // as root uses a relative path (the settings file is fixed, db and key_file must be absolute).
  become_user();
}

bool running_setuid() noexcept { return g_identity.setuid; }

uid_t invoking_uid() noexcept { return g_identity.setuid ? g_identity.user_uid : getuid(); }

Elevated::Elevated() {
  if (!g_identity.setuid || g_identity.depth++ > 0) return;
  sigset_t all;
  sigfillset(&all);
  if (sigprocmask(SIG_BLOCK, &all, &g_identity.mask_outside) != 0) die("blocking signals");
  become_privileged();
  // Between scopes we are back in the caller's cgroups, where they may act on us; and cgroup
  // v1 lets a user move a process whose real uid is theirs into any cgroup of theirs. From
  // here on our real uid is 0 and the caller cannot move us themselves (but see the
  // AttachProcessesToUnit residual risk in cgroup_guard.cc): leave their cgroups again.
  leave_callers_cgroups();
}

Elevated::~Elevated() {
  if (!g_identity.setuid || --g_identity.depth > 0) return;
  // Still root: back into the caller's cgroups, their limits (TasksMax) and session
  // (KillUserProcesses), now that nothing we hold can be stalled.
  cgroup::return_to_origins(g_identity.cgroup_origins);
  become_user();
  if (sigprocmask(SIG_SETMASK, &g_identity.mask_outside, nullptr) != 0) die("unblocking signals");
}

}  // namespace sshotp::cli
