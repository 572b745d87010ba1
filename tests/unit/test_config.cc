// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of common/config: the `key = value` parser, the file checks on the config file,
// and module arguments overriding it (test_shipped_settings.cc checks the shipped file). The
// parser is strict on purpose (a typo in a security setting must fail, not fall back to a
// default), so most tests here are about what is refused.
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

// Parses `text` over the defaults and requires success.
Config parsed(std::string_view text) {
  Config config;
  auto st = parse_config_text(config, text);
  if (!st) print_error("unexpected error: %s\n", st.error().message.c_str());
  assert_true(st.ok());
  return config;
}

// Parses `text` and requires an invalid_argument error; returns its message.
std::string parse_error(std::string_view text) {
  Config config;
  auto st = parse_config_text(config, text);
  if (st) print_error("accepted: %.*s\n", static_cast<int>(text.size()), text.data());
  assert_false(st.ok());
  assert_int_equal(st.error().code, Errc::invalid_argument);
  return st.error().message;
}

void assert_contains(const std::string& haystack, const char* needle) {
  if (haystack.find(needle) == std::string::npos) {
    print_error("'%s' does not contain '%s'\n", haystack.c_str(), needle);
  }
  assert_true(haystack.find(needle) != std::string::npos);
}

void assert_config_equal(const Config& actual, const Config& expected) {
  assert_string_equal(actual.db.c_str(), expected.db.c_str());
  assert_string_equal(actual.key_file.c_str(), expected.key_file.c_str());
  assert_string_equal(actual.prompt.c_str(), expected.prompt.c_str());
  assert_int_equal(actual.window, expected.window);
  assert_int_equal(actual.busy_timeout_ms, expected.busy_timeout_ms);
  assert_string_equal(actual.issuer.c_str(), expected.issuer.c_str());
  assert_int_equal(actual.otp.algorithm, expected.otp.algorithm);
  assert_int_equal(actual.otp.digits, expected.otp.digits);
  assert_int_equal(actual.otp.period, expected.otp.period);
  assert_int_equal(actual.debug, expected.debug);
}

void test_config_parses_every_key(void**) {
  Config expected;
  expected.db = "/srv/otp/store.db";
  expected.key_file = "/srv/otp/store.key";
  expected.prompt = "One-time code: ";
  expected.window = 3;
  expected.busy_timeout_ms = 250;
  expected.issuer = "Example Corp";
  expected.otp = OtpParams{Algorithm::sha512, 8, 60};
  expected.debug = true;
  assert_config_equal(parsed("db = /srv/otp/store.db\n"
                             "key_file = /srv/otp/store.key\n"
                             "prompt = \"One-time code: \"\n"
                             "window = 3\n"
                             "busy_timeout_ms = 250\n"
                             "issuer = Example Corp\n"
                             "algorithm = SHA512\n"
                             "digits = 8\n"
                             "period = 60\n"
                             "debug = yes\n"),
                      expected);
}

void test_config_defaults_are_documented_values(void**) {
  // The defaults the man page documents, spelled out as a config file, change nothing.
  assert_config_equal(Config{}, parsed("db = /var/lib/sshotp/sshotp.db\n"
                                       "key_file = /etc/security/sshotp.key\n"
                                       "prompt = \"Verification code: \"\n"
                                       "window = 1\n"
                                       "busy_timeout_ms = 5000\n"
                                       "issuer = \"\"\n"
                                       "algorithm = SHA1\n"
                                       "digits = 6\n"
                                       "period = 30\n"
                                       "debug = no\n"));
}

void test_config_skips_comments_and_blank_lines(void**) {
  const Config c = parsed(
      "# pam_sshotp settings\n"
      "\n"
      "   \t\n"
      "  # an indented comment: window = 9\n"
      "\twindow=2  \r\n"
      "digits   =   8\n"
      "\n");
  assert_int_equal(c.window, 2);
  assert_int_equal(c.otp.digits, 8);
}

void test_config_last_value_wins(void**) {
  assert_int_equal(parsed("window = 2\nwindow = 4\n").window, 4);
}

void test_config_quoted_prompt_keeps_spaces(void**) {
  assert_string_equal(parsed("prompt = \"OTP: \"\n").prompt.c_str(), "OTP: ");
  assert_string_equal(parsed("prompt = \"  two leading\"\n").prompt.c_str(), "  two leading");
  // Unquoted values are trimmed, so a trailing space needs the quotes.
  assert_string_equal(parsed("prompt = OTP:   \n").prompt.c_str(), "OTP:");
  // A '#' inside a value is part of it: comments are whole lines only.
  assert_string_equal(parsed("prompt = \"Code #1: \"").prompt.c_str(), "Code #1: ");
}

void test_config_unknown_key_names_key_and_line(void**) {
  const std::string message = parse_error("window = 1\n\n# comment\nwindwo = 2\n");
  assert_contains(message, "line 4");
  assert_contains(message, "windwo");
}

void test_config_error_line_counts_every_line(void**) {
  assert_contains(parse_error("\n\n\n\n\nperiod = 5\n"), "line 6");
  assert_contains(parse_error("digits = 7"), "line 1");
}

void test_config_rejects_out_of_range_numbers(void**) {
  for (std::string_view bad :
       {"window = 11", "window = -1", "window = 1x", "window = ", "window",
        "window = 99999999999999999999", "period = 10", "period = 14", "period = 121", "digits = 5",
        "digits = 7", "digits = 9", "busy_timeout_ms = 99", "busy_timeout_ms = 60001",
        "busy_timeout_ms = 0x100", "period = 0", "hotp_window = 101"}) {
    (void)parse_error(bad);
  }
}

void test_config_accepts_range_edges(void**) {
  assert_int_equal(parsed("window = 0").window, 0);
  assert_int_equal(parsed("window = 10").window, 10);
  assert_int_equal(parsed("hotp_window = 0").hotp_window, 0);
  assert_int_equal(parsed("hotp_window = 100").hotp_window, 100);
  assert_int_equal(parsed("period = 15").otp.period, 15);
  assert_int_equal(parsed("period = 120").otp.period, 120);
  assert_int_equal(parsed("digits = 6").otp.digits, 6);
  assert_int_equal(parsed("busy_timeout_ms = 100").busy_timeout_ms, 100);
  assert_int_equal(parsed("busy_timeout_ms = 60000").busy_timeout_ms, 60000);
}

void test_config_rejects_relative_or_empty_paths(void**) {
  for (std::string_view bad : {"db = sshotp.db", "db = ./sshotp.db", "db = ", "db",
                               "key_file = etc/sshotp.key", "key_file = \"\""}) {
    assert_contains(parse_error(bad), "absolute path");
  }
}

void test_config_rejects_control_characters(void**) {
  // A prompt is shown on the user's terminal: no escape sequences, no embedded newlines.
  for (std::string_view bad : {"prompt = \"a\x01 b\"", "prompt = \"code\x1b[31m: \"",
                               "prompt = \"a\tb\"", "prompt = \"a\x7f\"", "issuer = Ex\x07mple"}) {
    assert_contains(parse_error(bad), "control character");
  }
}

void test_config_parses_algorithm_and_debug_spellings(void**) {
  assert_int_equal(parsed("algorithm = sha256").otp.algorithm, Algorithm::sha256);
  assert_int_equal(parsed("algorithm = SHA1").otp.algorithm, Algorithm::sha1);
  (void)parse_error("algorithm = MD5");
  (void)parse_error("algorithm");
  assert_true(parsed("debug").debug);
  assert_true(parsed("debug = true").debug);
  assert_true(parsed("debug = 1").debug);
  assert_false(parsed("debug = no").debug);
  assert_false(parsed("debug = false").debug);
  assert_false(parsed("debug = 0").debug);
  (void)parse_error("debug = maybe");
}

void test_config_apply_setting_refuses_unknown(void**) {
  Config config;
  auto st = apply_setting(config, "nulok", std::nullopt);  // a typo of nullok
  assert_false(st.ok());
  assert_int_equal(st.error().code, Errc::invalid_argument);
  assert_contains(st.error().message, "nulok");
}

void assert_load_unavailable(const std::string& path, const char* why) {
  auto loaded = load_config_file(path);
  assert_false(loaded.ok());
  assert_int_equal(loaded.error().code, Errc::unavailable);
  assert_contains(loaded.error().message, why);
}

void test_config_file_missing_is_unavailable(void** state) {
  assert_load_unavailable(test::env_state(state).dir + "/no-such.conf", "no-such.conf");
}

void test_config_file_symlink_is_unavailable(void** state) {
  const test::TestEnv& env = test::env_state(state);
  const std::string link = env.dir + "/link.conf";
  assert_int_equal(symlink(env.config_path.c_str(), link.c_str()), 0);
  assert_load_unavailable(link, "symbolic link");
  assert_int_equal(unlink(link.c_str()), 0);
}

void test_config_file_writable_by_others_is_unavailable(void** state) {
  const std::string path = test::env_state(state).dir + "/loose.conf";
  for (unsigned mode : {0664U, 0646U, 0666U, 0620U}) {
    test::write_file(path, "window = 2\n", mode);
    assert_load_unavailable(path, "writable by group or others");
  }
}

void test_config_file_readable_by_all_is_loaded(void** state) {
  const std::string path = test::env_state(state).dir + "/ok.conf";
  for (unsigned mode : {0644U, 0600U, 0444U}) {
    test::write_file(path, "# ok\nwindow = 2\nprompt = \"Code: \"\n", mode);
    auto loaded = load_config_file(path);
    assert_true(loaded.ok());
    assert_int_equal(loaded->window, 2);
    assert_string_equal(loaded->prompt.c_str(), "Code: ");
  }
}

void test_config_file_parse_error_is_unavailable(void** state) {
  // A broken config is broken configuration (fail closed), not a bad module argument.
  const std::string path = test::env_state(state).dir + "/broken.conf";
  test::write_file(path, "window = 2\nwindow = lots\n", 0644);
  assert_load_unavailable(path, "line 2");
  test::write_file(path, std::string_view("window = 2\n\0", 12), 0644);
  assert_load_unavailable(path, "NUL");
}

// Runs config_from_module_args over `args`, starting from a default Config.
std::optional<ModuleArgsError> from_args(std::vector<const char*> args, Config& out) {
  return config_from_module_args(args, out);
}

void test_config_bad_argument_is_not_a_file_error(void** state) {
  // A typo in /etc/pam.d is a service error even when the config file is also missing: the
  // administrator must be pointed at the argument, not the store.
  const std::string missing = "config=" + test::env_state(state).dir + "/missing.conf";
  for (const char* bad : {"window=lots", "windwo=2", "digits=7", "db=relative.db",
                          "config=", "config", "config=relative.conf", "prompt=\x01"}) {
    Config out;
    auto err = from_args({missing.c_str(), bad}, out);
    assert_true(err.has_value());
    assert_false(err->from_file);
    assert_int_equal(err->error.code, Errc::invalid_argument);
    // The bad argument is found whichever side of config= it is on.
    err = from_args({bad, missing.c_str()}, out);
    assert_true(err.has_value());
    assert_false(err->from_file);
  }
}

void test_config_missing_file_is_a_file_error(void** state) {
  const std::string missing = "config=" + test::env_state(state).dir + "/missing.conf";
  Config out;
  out.window = 7;  // must be left alone on failure
  auto err = from_args({missing.c_str(), "window=2"}, out);
  assert_true(err.has_value());
  assert_true(err->from_file);
  assert_int_equal(err->error.code, Errc::unavailable);
  assert_int_equal(out.window, 7);
}

void test_config_arguments_override_file(void** state) {
  const std::string path = test::env_state(state).dir + "/base.conf";
  test::write_file(path, "window = 2\ndigits = 8\nissuer = From File\n", 0644);
  const std::string config_arg = "config=" + path;
  Config out;
  auto err = from_args({config_arg.c_str(), "window=4", "issuer=From Args"}, out);
  assert_false(err.has_value());
  assert_int_equal(out.window, 4);                       // overridden
  assert_string_equal(out.issuer.c_str(), "From Args");  // overridden, spaces kept
  assert_int_equal(out.otp.digits, 8);                   // from the file
  assert_int_equal(out.busy_timeout_ms, 5000);           // default
}

// One row per setting: the module argument that flips it, and a check that it took effect.
struct Flip {
  std::string_view name;
  const char* arg;
  std::function<bool(const Config&)> flipped;
};

const std::vector<Flip>& flips() {
  static const std::vector<Flip> table = {
      {"db", "db=/flip/sshotp.db", [](const Config& c) { return c.db == "/flip/sshotp.db"; }},
      {"key_file", "key_file=/flip/sshotp.key",
       [](const Config& c) { return c.key_file == "/flip/sshotp.key"; }},
      {"prompt", "prompt=Flipped:", [](const Config& c) { return c.prompt == "Flipped:"; }},
      {"window", "window=3", [](const Config& c) { return c.window == 3; }},
      {"hotp_window", "hotp_window=2", [](const Config& c) { return c.hotp_window == 2; }},
      {"busy_timeout_ms", "busy_timeout_ms=1234",
       [](const Config& c) { return c.busy_timeout_ms == 1234; }},
      {"issuer", "issuer=Flipped", [](const Config& c) { return c.issuer == "Flipped"; }},
      {"algorithm", "algorithm=SHA512",
       [](const Config& c) { return c.otp.algorithm == Algorithm::sha512; }},
      {"digits", "digits=8", [](const Config& c) { return c.otp.digits == 8; }},
      {"period", "period=60", [](const Config& c) { return c.otp.period == 60; }},
      {"debug", "debug", [](const Config& c) { return c.debug; }},
      {"nullok", "nullok", [](const Config& c) { return c.nullok; }},
      {"require_publickey", "require_publickey=yes",
       [](const Config& c) { return c.require_publickey; }},
      {"require_group", "require_group=otp",
       [](const Config& c) { return c.require_group == "otp"; }},
      {"exempt_group", "exempt_group=ops", [](const Config& c) { return c.exempt_group == "ops"; }},
      {"max_failures", "max_failures=42",
       [](const Config& c) { return c.lockout.max_failures == 42; }},
      {"lockout_time", "lockout_time=60",
       [](const Config& c) { return c.lockout.lockout_seconds == 60; }},
      {"recovery_codes", "recovery_codes=5", [](const Config& c) { return c.recovery_codes == 5; }},
      {"store", "store=postgresql",
       [](const Config& c) { return c.store == StoreKind::postgresql; }},
      {"pg_conninfo", "pg_conninfo=host=db1",
       [](const Config& c) { return c.pg_conninfo == "host=db1"; }},
      {"pg_timeout_ms", "pg_timeout_ms=1500",
       [](const Config& c) { return c.pg_timeout_ms == 1500; }},
      // Config file only (never a module argument): set by the file the test writes.
      {"pg_plugin", nullptr, [](const Config& c) { return c.pg_plugin == "/flip/plugin.so"; }},
  };
  return table;
}

void test_config_flip_every_option(void** state) {
  // Ported from pam-u2f: change every setting from its default through module arguments and
  // check that every one changed. setting_names() keeps the table honest: a new setting
  // without a row here fails the test.
  for (std::string_view name : setting_names()) {
    bool covered = false;
    for (const Flip& f : flips()) covered = covered || f.name == name;
    if (!covered)
      print_error("setting '%.*s' has no flip\n", static_cast<int>(name.size()), name.data());
    assert_true(covered);
  }
  assert_int_equal(flips().size(), setting_names().size());

  const std::string path = test::env_state(state).dir + "/empty.conf";
  test::write_file(path, "pg_plugin = /flip/plugin.so\n", 0644);
  const std::string config_arg = "config=" + path;
  std::vector<const char*> args = {config_arg.c_str()};
  for (const Flip& f : flips()) {
    if (f.arg != nullptr) args.push_back(f.arg);
  }

  const Config defaults;
  Config out;
  auto err = from_args(args, out);
  if (err) print_error("%s\n", err->error.message.c_str());
  assert_false(err.has_value());
  for (const Flip& f : flips()) {
    if (f.flipped(defaults) || !f.flipped(out)) {
      print_error("setting '%.*s' did not flip\n", static_cast<int>(f.name.size()), f.name.data());
    }
    assert_false(f.flipped(defaults));
    assert_true(f.flipped(out));
  }
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_config_parses_every_key),
      cmocka_unit_test(test_config_defaults_are_documented_values),
      cmocka_unit_test(test_config_skips_comments_and_blank_lines),
      cmocka_unit_test(test_config_last_value_wins),
      cmocka_unit_test(test_config_quoted_prompt_keeps_spaces),
      cmocka_unit_test(test_config_unknown_key_names_key_and_line),
      cmocka_unit_test(test_config_error_line_counts_every_line),
      cmocka_unit_test(test_config_rejects_out_of_range_numbers),
      cmocka_unit_test(test_config_accepts_range_edges),
      cmocka_unit_test(test_config_rejects_relative_or_empty_paths),
      cmocka_unit_test(test_config_rejects_control_characters),
      cmocka_unit_test(test_config_parses_algorithm_and_debug_spellings),
      cmocka_unit_test(test_config_apply_setting_refuses_unknown),
      SSHOTP_ENV_TEST(test_config_file_missing_is_unavailable),
      SSHOTP_ENV_TEST(test_config_file_symlink_is_unavailable),
      SSHOTP_ENV_TEST(test_config_file_writable_by_others_is_unavailable),
      SSHOTP_ENV_TEST(test_config_file_readable_by_all_is_loaded),
      SSHOTP_ENV_TEST(test_config_file_parse_error_is_unavailable),
      SSHOTP_ENV_TEST(test_config_bad_argument_is_not_a_file_error),
      SSHOTP_ENV_TEST(test_config_missing_file_is_a_file_error),
      SSHOTP_ENV_TEST(test_config_arguments_override_file),
      SSHOTP_ENV_TEST(test_config_flip_every_option),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
