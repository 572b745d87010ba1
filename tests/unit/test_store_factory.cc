// SPDX-License-Identifier: BSD-3-Clause
// Choosing and opening the store (common/store_factory, store_plugin_loader, and the store
// settings of common/config): `store`, `pg_conninfo` and `pg_timeout_ms` parse strictly and are
// compared between the module and the CLI; `pg_plugin` is honoured only from the config file;
// store = postgresql without pg_conninfo is the service's error; and a plugin is loaded only
// if it is a well-guarded file from this very build (tests/support/foreign_plugin.cc is one
// from "another build").
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/store_factory.h"
#include "tests/support/env_state.h"
#include "tests/support/fixture.h"
// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

void assert_setting_refused(const char* key, const char* value, const char* why) {
  Config config;
  auto st = apply_setting(config, key, value);
  assert_false(st.ok());
  if (st.error().message.find(why) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", st.error().message.c_str(), why);
  }
  assert_true(st.error().message.find(why) != std::string::npos);
}

void test_store_settings_parse_strictly(void**) {
  Config config;
  assert_int_equal(config.store, StoreKind::sqlite);  // the default: no PostgreSQL needed
  assert_int_equal(config.pg_timeout_ms, 3000);
  assert_true(apply_setting(config, "store", "postgresql").ok());
  assert_int_equal(config.store, StoreKind::postgresql);
  assert_true(apply_setting(config, "pg_timeout_ms", "100").ok());
  assert_true(apply_setting(config, "pg_conninfo", "host=db1,db2 sslmode=verify-full").ok());
  assert_setting_refused("store", "mysql", "must be sqlite or postgresql");
  assert_setting_refused("store", "", "must be sqlite or postgresql");
  assert_setting_refused("pg_timeout_ms", "99", "between 100 and 60000");
  assert_setting_refused("pg_timeout_ms", "60001", "between 100 and 60000");
  assert_setting_refused("pg_conninfo", "host=db1\nuser=x", "control character");
  assert_setting_refused("pg_plugin", "relative/store.so", "absolute path");
}

void test_pg_plugin_is_for_the_config_file_only(void** state) {
  // The plugin runs as root: only a file as well guarded as the config may name it.
  const std::string path = test::env_state(state).dir + "/plugin.conf";
  test::write_file(path, "pg_plugin = /somewhere/store.so\n", 0644);
  const std::string config_arg = "config=" + path;
  Config from_file;
  std::vector<const char*> args = {config_arg.c_str()};
  assert_false(config_from_module_args(args, from_file).has_value());
  assert_string_equal(from_file.pg_plugin.c_str(), "/somewhere/store.so");

  args.push_back("pg_plugin=/tmp/evil.so");
  Config from_args;
  auto err = config_from_module_args(args, from_args);
  assert_true(err.has_value());
  assert_false(err->from_file);  // a bad module argument: PAM_SERVICE_ERR
  assert_true(err->error.message.find("only be set in the config file") != std::string::npos);
}

void test_postgresql_without_conninfo_is_a_service_error(void** state) {
  const std::string path = test::env_state(state).dir + "/pg.conf";
  test::write_file(path, "store = postgresql\n", 0644);
  const std::string config_arg = "config=" + path;
  Config config;
  auto err = config_from_module_args(std::vector<const char*>{config_arg.c_str()}, config);
  assert_true(err.has_value());
  assert_false(err->from_file);
  assert_true(err->error.message.find("needs pg_conninfo") != std::string::npos);
  // With it (here as a module argument) the configuration is complete.
  err = config_from_module_args(
      std::vector<const char*>{config_arg.c_str(), "pg_conninfo=host=db1"}, config);
  assert_false(err.has_value());
}

void test_cli_and_module_must_agree_on_the_store(void**) {
  Config a;
  Config b;
  b.store = StoreKind::postgresql;
  assert_string_equal(std::string(first_cli_difference(a, b).value_or("")).c_str(), "store");
  b = a;
  b.pg_conninfo = "host=db2";
  assert_string_equal(std::string(first_cli_difference(a, b).value_or("")).c_str(), "pg_conninfo");
  b = a;
  b.pg_timeout_ms = 200;
  assert_string_equal(std::string(first_cli_difference(a, b).value_or("")).c_str(),
                      "pg_timeout_ms");
}

Config postgresql_config(const std::string& plugin) {
  Config config;
  config.store = StoreKind::postgresql;
  config.pg_conninfo = "host=127.0.0.1 port=1 connect_timeout=1";
  config.pg_timeout_ms = 200;
  config.pg_plugin = plugin;
  return config;
}

Error refusal(const Config& config) {
  auto store = open_store(config, OpenMode::existing, StoreUse::login);
  assert_false(store.ok());
  assert_int_equal(store.error().code, Errc::unavailable);
  return store.error();
}

void assert_says(const Error& error, const char* what) {
  if (error.message.find(what) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", error.message.c_str(), what);
  }
  assert_true(error.message.find(what) != std::string::npos);
}

void test_plugin_from_another_build_is_refused(void**) {
  const char* foreign = std::getenv("SSHOTP_FOREIGN_PLUGIN");
  assert_non_null(foreign);
  assert_says(refusal(postgresql_config(foreign)), "built for another pam_sshotp");
}

void test_plugin_without_every_entry_point_is_refused(void**) {
  const char* partial = std::getenv("SSHOTP_PARTIAL_PLUGIN");
  assert_non_null(partial);
  assert_says(refusal(postgresql_config(partial)), "an entry point is missing");
}

// A copy of a real shared object (the foreign plugin: loaded, it is refused for its stamp),
// with `mode` whatever the umask.
void copy_elf(const std::string& to, unsigned mode) {
  const char* elf = std::getenv("SSHOTP_FOREIGN_PLUGIN");
  assert_non_null(elf);
  std::ifstream in(elf, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  assert_true(bytes.compare(0, 4, "\177ELF") == 0);
  test::write_file(to, bytes, mode);
}

void test_plugin_file_must_be_guarded_like_our_other_files(void** state) {
  const std::string dir = test::env_state(state).dir;
  assert_says(refusal(postgresql_config(dir + "/missing.so")), "missing.so");
  // Not a shared object at all.
  test::write_file(dir + "/text.so", "not an ELF file", 0644);
  assert_says(refusal(postgresql_config(dir + "/text.so")), "cannot load");
  // A well-guarded copy is loaded, and refused only for its stamp: so each refusal below is the
  // guard's, not the loader's or the stamp's.
  copy_elf(dir + "/guarded.so", 0644);
  assert_says(refusal(postgresql_config(dir + "/guarded.so")), "built for another pam_sshotp");
  // Writable by others: whoever can write it would run code as root.
  copy_elf(dir + "/open.so", 0666);
  assert_says(refusal(postgresql_config(dir + "/open.so")),
              "open.so: is writable by group or others");
  // A symbolic link, even to the well-guarded copy: it could be pointed elsewhere.
  assert_int_equal(symlink((dir + "/guarded.so").c_str(), (dir + "/link.so").c_str()), 0);
  assert_says(refusal(postgresql_config(dir + "/link.so")), "link.so: is a symbolic link");
  // A FIFO: opening it must not wait for a writer (the alarm ends the test if it does).
  assert_int_equal(mkfifo((dir + "/fifo.so").c_str(), 0644), 0);
  alarm(10);
  assert_says(refusal(postgresql_config(dir + "/fifo.so")), "not a regular file");
  alarm(0);
  // In a directory that others may write to: they could put another file in its place.
  const std::string shared = dir + "/shared";
  assert_int_equal(mkdir(shared.c_str(), 0775), 0);
  assert_int_equal(chmod(shared.c_str(), 0775), 0);
  copy_elf(shared + "/store.so", 0644);
  assert_says(refusal(postgresql_config(shared + "/store.so")),
              "shared: is writable by group or others");
}

void test_sqlite_config_opens_the_sqlite_store(void** state) {
  Config config;
  config.db = test::env_state(state).db_path;
  auto store = open_store(config, OpenMode::existing, StoreUse::login);
  assert_true(store.ok());
  assert_string_equal(store_name(config).c_str(), config.db.c_str());
  assert_string_equal(store_name(postgresql_config("/x")).c_str(), "the PostgreSQL store");
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_store_settings_parse_strictly),
      SSHOTP_ENV_TEST(test_pg_plugin_is_for_the_config_file_only),
      SSHOTP_ENV_TEST(test_postgresql_without_conninfo_is_a_service_error),
      cmocka_unit_test(test_cli_and_module_must_agree_on_the_store),
      cmocka_unit_test(test_plugin_from_another_build_is_refused),
      cmocka_unit_test(test_plugin_without_every_entry_point_is_refused),
      SSHOTP_ENV_TEST(test_plugin_file_must_be_guarded_like_our_other_files),
      SSHOTP_ENV_TEST(test_sqlite_config_opens_the_sqlite_store),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
