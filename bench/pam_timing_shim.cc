// SPDX-License-Identifier: BSD-3-Clause
// An LD_PRELOAD shim that bench/e2e.sh loads into the test sshd: it times the PAM calls sshd
// makes (pam_start, pam_authenticate, pam_end) from inside sshd, where libcrypto is already
// loaded and initialised, so the module's cost is measured as sshd really pays it, not as a
// fresh process (bench/pam-once) pays it. Time spent in the application's conversation function
// is the client's and the network's (sshd relays the prompt to ssh and waits for the answer):
// it is measured separately and subtracted.
//
// Each wrapped call appends one line to $SSHOTP_PAM_TIMING_FILE (O_APPEND, one write, so lines
// from concurrent processes never interleave):
//
//   <call> <pid> <nanoseconds in the call, conversation excluded> <nanoseconds in conversation>
//
// One line per call rather than one per process at exit: sshd runs pam_authenticate in a forked
// child (auth-pam.c's thread emulation) that leaves through _exit(), past any exit handler.
// That child installs its own conversation with pam_set_item(PAM_CONV), so that is wrapped too.
//
// Only libc is used (no libstdc++, which sshd does not load: preloading it would hand the
// module's own load a library for free); the Makefile links it with --as-needed.
#include <dlfcn.h>
#include <fcntl.h>
#include <security/pam_appl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

// Nanoseconds this process has spent inside conversation functions so far.
long long conversation_ns = 0;

long long monotonic_ns() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// The application's conversation, called through timed_conversation.
struct WrappedConversation {
  struct pam_conv inner;
};

int timed_conversation(int num_msg, const struct pam_message** msg, struct pam_response** resp,
                       void* appdata) {
  const auto* wrapped = static_cast<const WrappedConversation*>(appdata);
  const long long start = monotonic_ns();
  const int rc = wrapped->inner.conv(num_msg, msg, resp, wrapped->inner.appdata_ptr);
  conversation_ns += monotonic_ns() - start;
  return rc;
}

// A conversation that times `conv`; nullptr (passed through) when there is none or no memory.
// Never freed: one small allocation per PAM transaction, in processes that end soon after.
const struct pam_conv* wrap_conversation(const struct pam_conv* conv) {
  if (conv == nullptr || conv->conv == nullptr) return conv;
  auto* wrapped = static_cast<WrappedConversation*>(std::malloc(sizeof(WrappedConversation)));
  auto* outer = static_cast<struct pam_conv*>(std::malloc(sizeof(struct pam_conv)));
  if (wrapped == nullptr || outer == nullptr) {
    std::free(wrapped);
    std::free(outer);
    return conv;
  }
  wrapped->inner = *conv;
  outer->conv = timed_conversation;
  outer->appdata_ptr = wrapped;
  return outer;
}

// $SSHOTP_PAM_TIMING_FILE, read when sshd loads the shim: sshd's authentication child empties
// its environment before it calls pam_authenticate.
char timing_file[4096];

__attribute__((constructor)) void remember_timing_file() {
  const char* path = std::getenv("SSHOTP_PAM_TIMING_FILE");
  if (path != nullptr && std::strlen(path) < sizeof timing_file) {
    std::memcpy(timing_file, path, std::strlen(path) + 1);
  }
}

void record(const char* call, long long call_ns, long long conv_ns) {
  const char* path = timing_file;
  if (*path == '\0') return;
  const int saved_errno = errno;
  char line[128];
  const int n = std::snprintf(line, sizeof line, "%s %ld %lld %lld\n", call,
                              static_cast<long>(getpid()), call_ns - conv_ns, conv_ns);
  const int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0 && n > 0 && static_cast<std::size_t>(n) < sizeof line) {
    (void)!write(fd, line, static_cast<std::size_t>(n));
  }
  if (fd >= 0) close(fd);
  errno = saved_errno;
}

// Resolves libpam's definition once. A plain static, not a function-local one initialised at
// first use: those need libstdc++'s guard functions. sshd calls PAM from one thread.
template <typename Fn>
Fn next_definition(Fn& cache, const char* name) {
  // POSIX guarantees a function pointer round-trips through dlsym's void*.
  if (cache == nullptr) cache = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  return cache;
}

// Runs `call`, timing it, and records it under `name` with the conversation time taken out.
template <typename Call>
int timed(const char* name, Call call) {
  const long long conv_before = conversation_ns;
  const long long start = monotonic_ns();
  const int rc = call();
  const long long elapsed = monotonic_ns() - start;
  record(name, elapsed, conversation_ns - conv_before);
  return rc;
}

// pam_authenticate and pam_end: both take the handle and an int.
using HandleIntCall = int (*)(pam_handle_t*, int);

int timed_next(const char* name, HandleIntCall& cache, pam_handle_t* pamh, int arg) {
  const HandleIntCall next = next_definition(cache, name);
  if (next == nullptr) return PAM_SYSTEM_ERR;
  return timed(name, [&] { return next(pamh, arg); });
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int pam_start(const char* service, const char* user,
                                                     const struct pam_conv* conv,
                                                     pam_handle_t** pamh) {
  using Fn = int (*)(const char*, const char*, const struct pam_conv*, pam_handle_t**);
  static Fn cache = nullptr;
  const Fn next = next_definition(cache, "pam_start");
  if (next == nullptr) return PAM_SYSTEM_ERR;
  const struct pam_conv* timed_conv = wrap_conversation(conv);
  return timed("pam_start", [&] { return next(service, user, timed_conv, pamh); });
}

__attribute__((visibility("default"))) int pam_set_item(pam_handle_t* pamh, int item_type,
                                                        const void* item) {
  using Fn = int (*)(pam_handle_t*, int, const void*);
  static Fn cache = nullptr;
  const Fn next = next_definition(cache, "pam_set_item");
  if (next == nullptr) return PAM_SYSTEM_ERR;
  if (item_type == PAM_CONV) item = wrap_conversation(static_cast<const struct pam_conv*>(item));
  return next(pamh, item_type, item);
}

__attribute__((visibility("default"))) int pam_authenticate(pam_handle_t* pamh, int flags) {
  static HandleIntCall cache = nullptr;
  return timed_next("pam_authenticate", cache, pamh, flags);
}

__attribute__((visibility("default"))) int pam_end(pam_handle_t* pamh, int pam_status) {
  static HandleIntCall cache = nullptr;
  return timed_next("pam_end", cache, pamh, pam_status);
}

}  // extern "C"
