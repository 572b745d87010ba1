// SPDX-License-Identifier: BSD-3-Clause
// pam_sshotp as a fleet host: a config naming the PostgreSQL store (pg_conninfo, the built
// plugin), a key file and a PAM service, in the anchor's directory. Several hosts share one key
// file and one database, as the hosts of a fleet do. Users are enrolled through the core API and
// the plugin (store_factory.h), sealed with the real key, in multi-row INSERTs (insert_many), a
// transaction per batch: real rows the module verifies, a million of them in about a minute.
#include <algorithm>
#include <memory>
#include <vector>

#include "bench/anchor.h"
#include "bench/bench_users.h"
#include "bench/fleet.h"
#include "common/config.h"
#include "common/crypto.h"
#include "common/store.h"
#include "common/store_factory.h"
#include "common/totp.h"

namespace sshotp::bench {
namespace {

// Enough rows per transaction to make a million quick, few enough to keep memory small.
constexpr std::size_t kRowsPerTransaction = 50000;

class FleetAnchor final : public Anchor {
 public:
  FleetAnchor(const FleetHost& host, const std::string& dir, const std::string& module)
      : Anchor(host.name, dir) {
    const std::string config_path = dir + "/sshotp.conf";
    auto key = load_or_create_key_file(host.key_file);
    if (!key) die(key.error().message);
    key_ = std::move(key).value();
    // max_failures = 100 (the most allowed) keeps the refused runs clear of the lockout.
    const std::string text = "key_file = " + host.key_file +
                             "\nwindow = 1\nmax_failures = 100\nstore = postgresql\n"
                             "pg_conninfo = \"" +
                             host.conninfo + "\"\npg_plugin = " + host.plugin + "\n";
    write_text_file(config_path, text, 0644);
    auto config = load_config_file(config_path);
    if (!config) die(config.error().message);
    config_ = std::move(config).value();
    write_service("auth required " + module + " config=" + config_path);
  }

  void enroll(std::size_t first, std::size_t last) override {
    auto store = open();
    std::vector<Enrollment> batch;
    for (std::size_t start = first; start < last; start += kRowsPerTransaction) {
      const std::size_t end = std::min(last, start + kRowsPerTransaction);
      batch.clear();
      for (std::size_t i = start; i < end; ++i) batch.push_back(enrollment(i));
      auto txn = store->begin_write();
      if (!txn) die(txn.error().message);
      auto conflict = (*txn)->insert_many(batch);
      if (!conflict) die(conflict.error().message);
      if (*conflict) die("already enrolled: " + batch[**conflict].user);
      if (auto st = (*txn)->commit(); !st) die(st.error().message);
    }
  }

  // An upsert: enrolled, never used, no failures.
  void reset(std::size_t index) override {
    auto store = open();
    auto txn = store->begin_write();
    if (!txn) die(txn.error().message);
    if (auto st = (*txn)->put(enrollment(index)); !st) die(st.error().message);
    if (auto st = (*txn)->commit(); !st) die(st.error().message);
  }

  bool refuses_unenrolled_like_wrong() const override { return true; }

  bool recorded(std::size_t index, std::int64_t unix_time) override {
    const auto e = stored(index);
    return e && e->last_step == time_step(unix_time, kPeriod);
  }

  std::optional<Enrollment> stored(std::size_t index) const {
    auto store = open();
    auto txn = store->begin_read();
    if (!txn) die(txn.error().message);
    auto found = (*txn)->find(user_name(index));
    if (!found) die(found.error().message);
    return std::move(found).value();
  }

 private:
  std::unique_ptr<Store> open() const {
    auto store = open_store(config_, OpenMode::existing, StoreUse::command);
    if (!store) die(store.error().message);
    return std::move(store).value();
  }

  Enrollment enrollment(std::size_t index) const { return sealed_enrollment(key_, index); }

  Config config_;
  SecureBytes key_;
};

}  // namespace

std::unique_ptr<Anchor> make_fleet_anchor(const FleetHost& host, const std::string& dir,
                                          const std::string& module) {
  return std::make_unique<FleetAnchor>(host, dir, module);
}

std::optional<Enrollment> fleet_stored(Anchor& anchor, std::size_t index) {
  auto* fleet = dynamic_cast<FleetAnchor*>(&anchor);
  if (fleet == nullptr) die(anchor.name() + " is not a fleet host");
  return fleet->stored(index);
}

}  // namespace sshotp::bench
