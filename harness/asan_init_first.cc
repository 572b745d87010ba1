// SPDX-License-Identifier: BSD-3-Clause
// Built in --enable-sanitizers builds only, and preloaded into the end-to-end tests' sshd with
// the sanitizer runtimes (harness/sanitizer_lib.sh). Its one job: start the ASan runtime before
// any other library's constructor runs. Linked with -z initfirst, so the dynamic loader runs this
// object's constructor first of all.
//
// Why: Debian's sshd is not sanitized, so the preloaded ASan runtime initialises lazily, on the
// first call it intercepts. One of sshd's libraries (libgpg-error, through libsystemd and
// libgcrypt) calls bindtextdomain() from its constructor, which takes glibc's gettext lock for
// writing and then calls malloc(). ASan intercepts that malloc and initialises there, and its
// initialisation calls dlerror(), whose gettext lookup asks for the same lock to read. That
// request fails (the thread holds it for writing), gettext unlocks all the same, which releases
// the writer, and bindtextdomain's own unlock then takes the reader count to -1. The next
// bindtextdomain() in that process, libpq's at its first connection from the module, waits for
// ever. So every PostgreSQL login through the sanitized sshd hung while the same login passed in
// every other build. Starting ASan here, while no lock is held, keeps the later constructors'
// locking balanced.
extern "C" void __asan_init();

namespace {

// The compiler's own constructor for this -fsanitize=address object calls __asan_init() too;
// the explicit call says what this library is for, and costs nothing (it runs once).
__attribute__((constructor)) void start_asan_first() { __asan_init(); }

}  // namespace
