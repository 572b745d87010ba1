// SPDX-License-Identifier: BSD-3-Clause
// How the PostgreSQL store reaches its hosts (pg_connect.h): a resolver that never answers is
// waited for only within pg_timeout_ms (libpq's own blocking getaddrinfo() would wait out the
// resolver's timeouts, here 30 s times 3); a frozen or unresolvable first host costs its share
// of the bound, so the next host still logs in; the host that answered is tried first when the
// store connects again (after a login's prompt); a name is still what verify-full checks the
// certificate against, though libpq is handed the address; what libpq would do unbounded (a
// service file, GSSAPI) is refused; and libpq's messages reach the log as one line. Run by
// test_pg_connect.sh in a mount namespace of its own, whose resolver is the silent port this
// program binds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "tests/postgresql/pg_test_support.h"

namespace sshotp {
namespace {

using Clock = std::chrono::steady_clock;
using test::with_setting;
constexpr unsigned kBudgetMs = 1000;
// Scheduling slack on a loaded 2-core machine: a bound is kept if the answer comes within it.
constexpr auto kSlack = std::chrono::milliseconds(700);

std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') fail_msg("%s is not set (run test_pg_connect.sh)", name);
  return value;
}

long long ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Opens a store on `conninfo` and begins a read transaction (the store connects only then);
// `took` is how long that took.
Result<std::unique_ptr<Store>> connect_timed(const std::string& conninfo, Clock::duration& took) {
  const auto started = Clock::now();
  auto store = test::pg_open_connected(conninfo, kBudgetMs);
  took = Clock::now() - started;
  return store;
}

void assert_says(const Error& error, const std::string& says) {
  if (error.message.find(says) == std::string::npos) {
    print_error("'%s' does not say '%s'\n", error.message.c_str(), says.c_str());
  }
  assert_true(error.message.find(says) != std::string::npos);
}

void test_pg_silent_resolver_is_refused_within_the_deadline(void**) {
  const std::string name = env("SSHOTP_TEST_UNKNOWN_HOST");
  Clock::duration took{};
  auto store = connect_timed(with_setting(test::pg_host_conninfo(), "host", name), took);
  print_message("silent resolver: refused after %lld ms (pg_timeout_ms %u)\n", ms(took), kBudgetMs);
  assert_false(store.ok());
  assert_says(store.error(), "resolving host " + name + ": timed out");
  assert_true(took < std::chrono::milliseconds(kBudgetMs) + kSlack);
}

void test_pg_name_in_the_hosts_file_connects_with_verify_full(void**) {
  // The server's certificate names localhost: the name libpq checks is ours, not an address.
  (void)test::pg_open_ok(kBudgetMs, with_setting(test::pg_host_conninfo(), "host", "localhost"));
}

void test_pg_verify_full_checks_the_name_not_the_address(void**) {
  // The same address under a name the certificate does not hold: handing libpq the address
  // (hostaddr) must not turn the check into one of the address, which the certificate holds.
  Clock::duration took{};
  auto store = connect_timed(
      with_setting(test::pg_host_conninfo(), "host", env("SSHOTP_TEST_OTHER_NAME")), took);
  assert_false(store.ok());
  assert_says(store.error(), "does not match host name \"" + env("SSHOTP_TEST_OTHER_NAME"));
}

// `first_host:first_port` then the real server, one bound for both.
std::string second_is_real(const std::string& first_host, const std::string& first_port) {
  const std::string real = test::pg_host_conninfo();
  const std::string conninfo = with_setting(real, "host", first_host + ",127.0.0.1");
  return with_setting(conninfo, "port", first_port + "," + test::setting_of(real, "port"));
}

void test_pg_frozen_first_host_leaves_time_for_the_next(void**) {
  test::SilentServer frozen;
  Clock::duration took{};
  auto store = connect_timed(second_is_real("127.0.0.1", std::to_string(frozen.port)), took);
  print_message("frozen first host: connected to the second after %lld ms (pg_timeout_ms %u)\n",
                ms(took), kBudgetMs);
  if (!store) print_error("%s\n", store.error().message.c_str());
  assert_true(store.ok());
  assert_true(took < std::chrono::milliseconds(kBudgetMs) + kSlack);

  // The login's second connection (after its prompt) goes to the host that answered first:
  // the frozen one gets no new connection in its backlog.
  const unsigned knocked = frozen.pending();
  auto again = (*store)->begin_write();
  assert_true(again.ok());
  assert_int_equal(frozen.pending(), knocked);
}

void test_pg_unresolvable_first_host_leaves_time_for_the_next(void**) {
  const std::string real_port = test::setting_of(test::pg_host_conninfo(), "port");
  Clock::duration took{};
  auto store = connect_timed(second_is_real(env("SSHOTP_TEST_UNKNOWN_HOST"), real_port), took);
  print_message("silent resolver for the first host: connected after %lld ms\n", ms(took));
  if (!store) print_error("%s\n", store.error().message.c_str());
  assert_true(store.ok());
  assert_true(took < std::chrono::milliseconds(kBudgetMs) + kSlack);
}

void test_pg_unbounded_libpq_work_is_refused(void**) {
  const std::string host = test::pg_host_conninfo();
  Clock::duration took{};
  auto service = connect_timed(host + " service=sshotp", took);
  assert_false(service.ok());
  assert_says(service.error(), "must not name a service");
  for (const char* mode : {"prefer", "require"}) {
    auto gss = connect_timed(with_setting(host, "gssencmode", mode), took);
    assert_false(gss.ok());
    assert_says(gss.error(), "gssencmode must be disable");
  }
  (void)test::pg_open_ok(kBudgetMs, with_setting(host, "gssencmode", "disable"));
}

// A loopback port nothing listens on: bound by the kernel's choice, then closed again.
std::string closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    fail_msg("cannot find a free port");
  }
  close(fd);
  return std::to_string(ntohs(addr.sin_port));
}

// libpq writes some messages over several lines, the second indented with a tab ("Connection
// refused" then "Is the server running on that host..."). The store's error becomes the
// module's LOG_ALERT line, where a control character would be shown as '?': it must be one line
// of printable text that still says both things.
void test_pg_libpq_message_is_one_printable_line(void**) {
  Clock::duration took{};
  auto store = connect_timed(with_setting(test::pg_host_conninfo(), "port", closed_port()), took);
  assert_false(store.ok());
  assert_says(store.error(), "Connection refused Is the server running");
  for (const char c : store.error().message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      print_error("control character %#x in '%s'\n", byte, store.error().message.c_str());
    }
    assert_true(byte >= 0x20 && byte != 0x7f);
  }
}

// The resolver of resolv.conf: takes queries and never answers (nothing reads them).
int bind_silent_resolver() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(53);
  if (fd < 0 || inet_pton(AF_INET, env("SSHOTP_TEST_SILENT_DNS").c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("test_pg_connect: the silent resolver's port");
    std::exit(99);
  }
  return fd;
}

}  // namespace
}  // namespace sshotp

int main() {
  const int resolver = sshotp::bind_silent_resolver();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sshotp::test_pg_silent_resolver_is_refused_within_the_deadline),
      cmocka_unit_test(sshotp::test_pg_name_in_the_hosts_file_connects_with_verify_full),
      cmocka_unit_test(sshotp::test_pg_verify_full_checks_the_name_not_the_address),
      cmocka_unit_test(sshotp::test_pg_frozen_first_host_leaves_time_for_the_next),
      cmocka_unit_test(sshotp::test_pg_unresolvable_first_host_leaves_time_for_the_next),
      cmocka_unit_test(sshotp::test_pg_unbounded_libpq_work_is_refused),
      cmocka_unit_test(sshotp::test_pg_libpq_message_is_one_printable_line),
  };
  const int failed = cmocka_run_group_tests(tests, nullptr, nullptr);
  close(resolver);
  return failed;
}
