// SPDX-License-Identifier: BSD-3-Clause
// Linked into sshotp-enroll in --enable-sanitizers builds only. sshotp-enroll runs setuid root
// for self-service, and LeakSanitizer cannot check a setuid process: it stops the process with
// ptrace at exit, which the kernel refuses there, and then fails the run. So a setuid start
// (AT_SECURE) turns leak detection off; every other start keeps it, and ASan and UBSan stay on.
#include <sys/auxv.h>

extern "C" __attribute__((visibility("default"))) const char* __asan_default_options() {
  return getauxval(AT_SECURE) != 0 ? "detect_leaks=0" : "";
}
