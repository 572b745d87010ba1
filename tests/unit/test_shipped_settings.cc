// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of the settings file shipped as enroll/sshotp.conf, which `make install` and the
// packages install as /etc/security/sshotp.conf (a conffile): every setting of common/config's
// table, in its order, commented out with the value and purpose the table gives, and nothing else
// active. The file is checked in rather than generated at build time, so that it reads the same
// in the tree and can be packaged when cross-building; these tests keep it from drifting, and on
// a mismatch print the text its settings part should have.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "common/config.h"

// Last: cmocka defines macros such as fail() that break standard headers included after it.
#include "tests/support/cmocka.h"

namespace sshotp {
namespace {

std::string shipped_file() {
  const char* srcdir = std::getenv("SSHOTP_SRCDIR");
  if (srcdir == nullptr) {
    print_error("SSHOTP_SRCDIR is not set (make check sets it)\n");
    fail();
  }
  const std::string path = std::string(srcdir) + "/enroll/sshotp.conf";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    print_error("cannot read %s\n", path.c_str());
    fail();
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file after its header: one block per setting, "\n# <purpose>\n# <name> = <value>\n".
std::string expected_settings() {
  std::string text;
  for (const SettingDoc& doc : setting_docs()) {
    text += "\n# ";
    text += doc.purpose;
    text += "\n# ";
    text += doc.name;
    text += " = " + doc.shown_value + "\n";
  }
  return text;
}

// The header is free text up to the first blank line; everything after it is generated.
void test_conffile_lists_every_setting_at_its_default(void**) {
  const std::string text = shipped_file();
  const auto blank = text.find("\n\n");
  assert_true(blank != std::string::npos);
  const std::string settings = text.substr(blank + 1);
  const std::string expected = expected_settings();
  if (settings != expected) {
    print_error(
        "enroll/sshotp.conf does not match the settings table (common/config.cc); after "
        "its header it should read:\n%s",
        expected.c_str());
  }
  assert_string_equal(settings.c_str(), expected.c_str());
}

// As shipped it sets nothing: every line is blank or a comment, so the file is the defaults.
void test_conffile_sets_nothing(void**) {
  const std::string text = shipped_file();
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() != '#') print_error("active line: %s\n", line.c_str());
    assert_true(line.empty() || line.front() == '#');
  }
  Config config;
  assert_true(parse_config_text(config, text).ok());
}

// Uncommenting every setting gives a file the parser accepts: the values shown are valid.
void test_conffile_uncommented_parses(void**) {
  std::istringstream lines(shipped_file());
  std::string uncommented;
  for (std::string line; std::getline(lines, line);) {
    for (std::string_view name : setting_names()) {
      const std::string prefix = "# " + std::string(name) + " = ";
      if (line.rfind(prefix, 0) == 0) uncommented += line.substr(2) + "\n";
    }
  }
  std::size_t count = 0;
  for (char ch : uncommented) count += ch == '\n' ? 1 : 0;
  assert_int_equal(count, setting_names().size());
  Config config;
  auto st = parse_config_text(config, uncommented);
  if (!st) print_error("%s\n", st.error().message.c_str());
  assert_true(st.ok());
}

int run_unit_tests() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_conffile_lists_every_setting_at_its_default),
      cmocka_unit_test(test_conffile_sets_nothing),
      cmocka_unit_test(test_conffile_uncommented_parses),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}

}  // namespace
}  // namespace sshotp

int main() { return sshotp::run_unit_tests(); }
