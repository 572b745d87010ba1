// SPDX-License-Identifier: BSD-3-Clause
// An exception thrown inside the module ends as PAM_BUF_ERR at the extern "C" boundary, never in
// std::terminate: the module carries its own C++ runtime and unwinder (libstdc++.a and
// libgcc_eh.a, configure.ac), and this is the test that throws through them. The malloc below,
// exported by this -rdynamic executable, is the one the module's operator new binds to; while
// armed it refuses the buffer the module reads its config file into (64 KiB and a byte).
#include <security/pam_appl.h>

#include <atomic>
#include <cstddef>

#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

#if defined(__SANITIZE_ADDRESS__)
#define SSHOTP_OWN_MALLOC 0  // the sanitizer's runtime must see every allocation
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SSHOTP_OWN_MALLOC 0
#endif
#endif
#ifndef SSHOTP_OWN_MALLOC
#define SSHOTP_OWN_MALLOC 1
#endif

namespace {
std::atomic<bool> refuse_config_buffer{false};
constexpr std::size_t kConfigBuffer = 64 * 1024 + 1;  // common/config.cc: kMaxConfigBytes + 1
}  // namespace

#if SSHOTP_OWN_MALLOC
extern "C" void* __libc_malloc(std::size_t n);
extern "C" void* malloc(std::size_t n) {
  if (refuse_config_buffer.load() && n >= kConfigBuffer - 1 && n <= kConfigBuffer + 64) {
    return nullptr;
  }
  return __libc_malloc(n);
}
#endif

using namespace sshotp::test;

namespace {

void test_bad_alloc_inside_the_module_is_pam_buf_err(void** state) {
  if (!SSHOTP_OWN_MALLOC) skip();
  const PamFixture& f = pam_fixture(state);
  refuse_config_buffer = true;
  const int refused = f.login("alice", f.code());
  refuse_config_buffer = false;
  assert_int_equal(refused, PAM_BUF_ERR);
  // The module is intact afterwards: the same code now logs in.
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_bad_alloc_inside_the_module_is_pam_buf_err,
                                      setup_pam_fixture, teardown_pam_fixture),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
