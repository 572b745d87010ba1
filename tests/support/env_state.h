// SPDX-License-Identifier: BSD-3-Clause
// cmocka setup/teardown giving each test its own fixture environment (tests/support/fixture.h)
// as its state. Teardown runs even after a failed assertion (cmocka longjmps out of the test),
// so no temp directory is left behind.
#pragma once

#include "tests/support/fixture.h"

namespace sshotp::test {

inline int setup_env_state(void** state) {
  *state = new TestEnv(make_test_env());
  return 0;
}

inline int teardown_env_state(void** state) {
  auto* env = static_cast<TestEnv*>(*state);
  destroy_test_env(*env);
  delete env;
  return 0;
}

inline const TestEnv& env_state(void** state) { return *static_cast<const TestEnv*>(*state); }

}  // namespace sshotp::test

// A cmocka test entry whose state is a fresh TestEnv (use env_state(state) inside the test).
#define SSHOTP_ENV_TEST(f)                                          \
  cmocka_unit_test_setup_teardown(f, sshotp::test::setup_env_state, \
                                  sshotp::test::teardown_env_state)
