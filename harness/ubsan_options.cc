// SPDX-License-Identifier: BSD-3-Clause
// Built in --enable-sanitizers builds only, and preloaded into the end-to-end tests' sshd right
// after the ASan runtime and before GCC's UBSan runtime (harness/sanitizer_lib.sh), so that a
// UBSan report from the module under sshd reaches UBSAN_OPTIONS' log_path. Without it the report
// is lost, for two reasons:
// - GCC's UBSan runtime reads UBSAN_OPTIONS only when it first reports, and from
//   /proc/self/environ. By the time the module runs, sshd has overwritten that memory with its
//   process title (setproctitle), and its PAM process has emptied environ as well.
// - Even with its options, that runtime applies log_path through a call that binds to the ASan
//   runtime's function (preloaded first), so its own reports still go to stderr, which sshd has
//   pointed at /dev/null.
// So when sshd starts, with its environment intact, this library keeps a copy of UBSAN_OPTIONS
// for __ubsan_default_options() (which the runtime asks first) and gives log_path to the UBSan
// runtime's own __sanitizer_set_report_path. In a clang build, whose single runtime reads its
// options at startup, there is no such function after this library and it changes nothing.
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace {

// Set by the constructor, before sshd's main() runs; never freed (sshd's leak checks are off).
const char* startup_options = "";

// The VALUE of the last log_path=VALUE among OPTIONS (flags separated by ':'), or nullptr.
const char* log_path_in(const char* options) {
  char* flags = strdup(options);
  const char* path = nullptr;
  char* rest = nullptr;
  for (char* flag = flags != nullptr ? strtok_r(flags, ":", &rest) : nullptr; flag != nullptr;
       flag = strtok_r(nullptr, ":", &rest)) {
    if (std::strncmp(flag, "log_path=", 9) == 0) path = flag + 9;
  }
  return path;
}

__attribute__((constructor)) void keep_startup_options() {
  const char* options = std::getenv("UBSAN_OPTIONS");
  if (options == nullptr) return;
  if (char* copy = strdup(options); copy != nullptr) startup_options = copy;
  // RTLD_NEXT: the definition in a library loaded after this one, the UBSan runtime.
  using SetReportPath = void (*)(const char*);
  auto set_report_path =
      reinterpret_cast<SetReportPath>(dlsym(RTLD_NEXT, "__sanitizer_set_report_path"));
  const char* path = log_path_in(options);
  if (set_report_path != nullptr && path != nullptr) set_report_path(path);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const char* __ubsan_default_options() {
  return startup_options;
}
