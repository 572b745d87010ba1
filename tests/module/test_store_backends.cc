// SPDX-License-Identifier: BSD-3-Clause
// The built pam_sshotp.so through the real libpam with either store: a login on a SQLite host
// leaves no trace of libpq in the process (the PostgreSQL store is a plugin, loaded only for
// store = postgresql); with store = postgresql an unreachable database is refused, fail
// closed, within pg_timeout_ms; and, when the contract suite runs this program against the
// harness's PostgreSQL (tests/postgresql/test_pg_contract.sh), a login works through the plugin,
// its code cannot be replayed, and it holds no connection while its user is at the prompt. The
// order of the cases matters: once loaded, the plugin and libpq stay mapped for good.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/pam_harness.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

namespace sshotp::test {
namespace {

// Whether a library whose file name contains `name` is mapped into this process.
bool mapped(const char* name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(name) != std::string::npos) return true;
  }
  return false;
}

void test_sqlite_login_maps_no_libpq(void** state) {
  if (store_is_postgresql()) skip();
  const PamFixture& f = pam_fixture(state);
  assert_int_equal(f.login("alice", f.code()), PAM_SUCCESS);
  // After pam_end the module itself may be unloaded (sanitizer builds link it without -z
  // nodelete), but a plugin it had loaded never is (RTLD_NODELETE), nor libpq with it: the
  // next case shows this check finds them once they were loaded.
  assert_false(mapped("libpq"));
  assert_false(mapped("store_postgresql"));
}

void test_unreachable_postgresql_fails_closed(void** state) {
  const char* plugin = std::getenv("SSHOTP_PG_PLUGIN");
  if (store_is_postgresql() || plugin == nullptr || *plugin == '\0') skip();
  const PamFixture& f = pam_fixture(state);
  // Alice is enrolled in the SQLite store; now the config names a database nobody serves.
  append_config(f.env, std::string("store = postgresql\n"
                                   "pg_conninfo = \"host=127.0.0.1 port=1 dbname=sshotp\"\n"
                                   "pg_timeout_ms = 500\npg_plugin = ") +
                           plugin + "\n");
  const auto started = std::chrono::steady_clock::now();
  assert_int_equal(f.login("alice", f.code()), PAM_AUTHINFO_UNAVAIL);
  assert_true(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500));
  assert_true(mapped("store_postgresql"));  // what the first case looked for, now there
  assert_true(mapped("libpq"));
}

void test_postgresql_login_through_libpam(void** state) {
  if (!store_is_postgresql()) skip();
  const PamFixture& f = pam_fixture(state);  // alice enrolled in the PostgreSQL store
  const std::string code = f.code();
  assert_int_equal(f.login("alice", code), PAM_SUCCESS);
  assert_int_equal(f.login("alice", code), PAM_AUTH_ERR);  // consumed, for every host
  assert_int_equal(f.login("alice", wrong_code(f.secret, f.params, kFakeNow)), PAM_AUTH_ERR);
  assert_true(mapped("libpq"));
}

void test_postgresql_login_holds_no_connection_at_the_prompt(void** state) {
  if (!store_is_postgresql()) skip();
  const PamFixture& f = pam_fixture(state);
  FakeConversation conv = FakeConversation::answering({f.code()});
  std::string held_at_prompt;
  conv.while_prompting = [&] {
    // The connection of the look before the prompt is closed by now; its backend exits a moment
    // later. One kept open would stay, a backend per pending prompt up to LoginGraceTime.
    const std::string count = "SELECT count(*) FROM pg_stat_activity WHERE usename = 'sshotp_host'";
    for (int tries = 0; tries < 40 && (held_at_prompt = postgresql_superuser_sql(count)) != "0";
         ++tries) {
      usleep(25000);
    }
    // What idle_session_timeout, a pooler or a NAT does to an idle session meanwhile: it must
    // not cost the user a correct code.
    (void)postgresql_superuser_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'sshotp_host'");
  };
  assert_int_equal(f.login("alice", conv), PAM_SUCCESS);
  assert_string_equal(held_at_prompt.c_str(), "0");
}

}  // namespace
}  // namespace sshotp::test

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(sshotp::test::test_sqlite_login_maps_no_libpq,
                                      sshotp::test::setup_pam_fixture,
                                      sshotp::test::teardown_pam_fixture),
      cmocka_unit_test_setup_teardown(sshotp::test::test_unreachable_postgresql_fails_closed,
                                      sshotp::test::setup_pam_fixture,
                                      sshotp::test::teardown_pam_fixture),
      cmocka_unit_test_setup_teardown(sshotp::test::test_postgresql_login_through_libpam,
                                      sshotp::test::setup_pam_fixture,
                                      sshotp::test::teardown_pam_fixture),
      cmocka_unit_test_setup_teardown(
          sshotp::test::test_postgresql_login_holds_no_connection_at_the_prompt,
          sshotp::test::setup_pam_fixture, sshotp::test::teardown_pam_fixture),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
