// SPDX-License-Identifier: BSD-3-Clause
// pam_sshotp under test: a config, key file and SQLite store in the anchor's directory, filled
// directly through the core API (seal each secret, put() every row in one transaction, which is
// how a million users are enrolled in minutes).
#include <memory>

#include "bench/anchor.h"
#include "bench/bench_users.h"
#include "bench/fake_clock.h"
#include "common/crypto.h"
#include "common/sqlite_store.h"
#include "common/store.h"
#include "common/totp.h"

namespace sshotp::bench {
namespace {

class SshotpAnchor final : public Anchor {
 public:
  SshotpAnchor(const std::string& dir, const std::string& module) : Anchor("pam_sshotp", dir) {
    const std::string config = dir + "/sshotp.conf";
    const std::string key_file = dir + "/sshotp.key";
    const std::string db = dir + "/store/sshotp.db";
    auto key = load_or_create_key_file(key_file);
    if (!key) die(key.error().message);
    key_ = std::move(key).value();
    db_ = db;
    open_store(OpenMode::create);
    // max_failures = 100 (the most allowed) keeps the wrong-code runs clear of the lockout; the
    // runs also reset the counter before each refused call.
    write_text_file(
        config, "db = " + db + "\nkey_file = " + key_file + "\nwindow = 1\nmax_failures = 100\n",
        0644);
    write_service("auth required " + module + " config=" + config);
  }

  void enroll(std::size_t first, std::size_t last) override {
    auto store = open_store(OpenMode::existing);
    auto txn = store->begin_write();
    if (!txn) die(txn.error().message);
    for (std::size_t i = first; i < last; ++i) {
      if (auto st = (*txn)->put(enrollment(i)); !st) die(st.error().message);
    }
    if (auto st = (*txn)->commit(); !st) die(st.error().message);
  }

  void reset(std::size_t index) override { enroll(index, index + 1); }

  bool refuses_unenrolled_like_wrong() const override { return true; }

  bool recorded(std::size_t index, std::int64_t unix_time) override {
    auto store = open_store(OpenMode::existing);
    auto txn = store->begin_read();
    if (!txn) die(txn.error().message);
    auto found = (*txn)->find(user_name(index));
    if (!found) die(found.error().message);
    return found->has_value() && (*found)->last_step == time_step(unix_time, kPeriod);
  }

 private:
  // Opened per use and closed again: a connection kept open here would spare the module's
  // own connection the checkpoint SQLite runs when the last connection to a WAL store closes,
  // which every real login (one process per connection) pays.
  std::unique_ptr<Store> open_store(OpenMode mode) const {
    auto store = open_sqlite_store(db_, mode, 5000);
    if (!store) die(store.error().message);
    return std::move(store).value();
  }

  Enrollment enrollment(std::size_t index) const { return sealed_enrollment(key_, index); }

  SecureBytes key_;
  std::string db_;
};

}  // namespace

std::unique_ptr<Anchor> make_sshotp_anchor(const std::string& dir, const std::string& module) {
  return std::make_unique<SshotpAnchor>(dir, module);
}

}  // namespace sshotp::bench
