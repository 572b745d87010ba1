// SPDX-License-Identifier: BSD-3-Clause
#include "common/key_check.h"

#include <string>
#include <string_view>
#include <utility>

#include "common/crypto.h"

namespace sshotp {
namespace {

constexpr std::string_view kCheckKeyLabel = "pam_sshotp:v1:key-check-key";
constexpr std::string_view kCheckValueLabel = "pam_sshotp:v1:key-check-value";

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string_view as_view(const KeyCheckValue& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

enum class Match {
  matches,      // the check value is equal, or a sealed secret opened
  differs,      // the check value differs, or a sealed secret did not open
  nothing_yet,  // no check value and nobody enrolled: nothing to compare with
};

// `value` is key_check_value(key), computed by the caller, which may record it.
Match compare(const KeyCheckFacts& facts, const SecureBytes& key, const KeyCheckValue& value) {
  if (facts.check_value) {
    return ct_equal(as_view(*facts.check_value), as_view(value)) ? Match::matches
                                                                 : Match::differs;
  }
  if (!facts.sample) return Match::nothing_yet;
  // The secret is wiped when `opened` goes; only whether it opened matters.
  auto opened = unseal(key, facts.sample->sealed_secret, secret_aad(facts.sample->user));
  return opened ? Match::matches : Match::differs;
}

// "No enrollment was changed" rather than "nothing": opening a store made by an earlier release
// has already added the (empty) key_check table to it before the key could be checked.
constexpr std::string_view kRefusalAdvice =
    " No enrollment was changed. Restore the key file that belongs with this store from the "
    "backup the store came from (the key and the store belong together)";

Error wrong_key(const KeyCheckFacts& facts, const KeyCheckNames& names) {
  const std::string count = std::to_string(facts.enrollments) + " enrollment(s)";
  // Without a recorded value only one sealed secret was tried: say that much, not that all of
  // them are sealed under another key.
  const std::string why =
      facts.check_value
          ? "its " + count + " are sealed under another key."
          : "it could not open an enrollment there, one of " + count +
                " (the store records no key check value yet, so one sealed secret was tried).";
  return make_error(Errc::unavailable, names.key_file + " is not the key of " + names.store +
                                           ": " + why + std::string(kRefusalAdvice));
}

// Checks, and with `record` also records; see key_check.h. `value` is key_check_value(key).
Status check(StoreTransaction& txn, const SecureBytes& key, const KeyCheckValue& value,
             const KeyCheckNames& names, bool record) {
  // The common case, a recorded value equal to the key's, is one small read: counting the
  // enrollments scans both tables, which a batched import would pay per batch under the lock.
  auto recorded = txn.recorded_key_check();
  if (!recorded) return std::move(recorded).error();
  if (*recorded && ct_equal(as_view(**recorded), as_view(value))) return Ok{};
  auto facts = txn.key_check_facts();
  if (!facts) return std::move(facts).error();
  const Match match = compare(*facts, key, value);
  // An empty store has nothing sealed under its recorded key, so a new key may take it over.
  if (match == Match::differs && facts->enrollments > 0) return wrong_key(*facts, names);
  const bool recorded_equal = facts->check_value && match == Match::matches;
  if (!record || recorded_equal) return Ok{};
  return txn.set_key_check(value);
}

Status check(StoreTransaction& txn, const SecureBytes& key, const KeyCheckNames& names,
             bool record) {
  auto value = key_check_value(key);
  if (!value) return std::move(value).error();
  return check(txn, key, *value, names, record);
}

class KeyCheckedStore final : public Store {
 public:
  KeyCheckedStore(std::unique_ptr<Store> inner, const SecureBytes& key, KeyCheckNames names)
      : inner_(std::move(inner)), key_(key), value_(key_check_value(key)),
        names_(std::move(names)) {}

  Result<std::unique_ptr<StoreTransaction>> begin_write() override {
    if (!value_) return value_.error();
    auto txn = inner_->begin_write();
    if (!txn) return txn;
    // Refused: the transaction rolls back as it goes, having written nothing.
    if (auto st = check(**txn, key_, *value_, names_, /*record=*/true); !st) {
      return std::move(st).error();
    }
    return txn;
  }
  Result<std::unique_ptr<StoreTransaction>> begin_read() override { return inner_->begin_read(); }

 private:
  std::unique_ptr<Store> inner_;
  SecureBytes key_;  // a copy, wiped with the store
  // Computed once: a batched import begins many write transactions with the same key.
  Result<KeyCheckValue> value_;
  KeyCheckNames names_;
};

}  // namespace

Result<KeyCheckValue> key_check_value(const SecureBytes& key) {
  if (key.size() != kKeyBytes) return make_error(Errc::crypto, "bad key length");
  auto check_key = hmac_sha256(key, bytes_of(kCheckKeyLabel));
  if (!check_key) return std::move(check_key).error();
  auto mac = hmac_sha256(*check_key, bytes_of(kCheckValueLabel));
  if (!mac) return std::move(mac).error();
  return KeyCheckValue(mac->begin(), mac->end());
}

Status check_store_key(StoreTransaction& txn, const SecureBytes& key, const KeyCheckNames& names) {
  return check(txn, key, names, /*record=*/false);
}

Status check_and_record_store_key(StoreTransaction& txn, const SecureBytes& key,
                                  const KeyCheckNames& names) {
  return check(txn, key, names, /*record=*/true);
}

Status check_key_may_be_created(StoreTransaction& txn, const KeyCheckNames& names) {
  auto facts = txn.key_check_facts();
  if (!facts) return std::move(facts).error();
  if (facts->enrollments == 0) return Ok{};
  return make_error(Errc::unavailable,
                    names.key_file + " is missing, but " + names.store + " holds " +
                        std::to_string(facts->enrollments) +
                        " enrollment(s) sealed under another key: a new key would lock every "
                        "one of them out, so none was created. Restore the key file from the "
                        "backup the store came from (the key and the store belong together)");
}

std::unique_ptr<Store> key_checked_store(std::unique_ptr<Store> store, const SecureBytes& key,
                                         KeyCheckNames names) {
  return std::make_unique<KeyCheckedStore>(std::move(store), key, std::move(names));
}

bool store_key_differs(StoreTransaction& txn, const SecureBytes& key) {
  auto recorded = txn.recorded_key_check();
  if (!recorded || !*recorded) return false;
  auto value = key_check_value(key);
  return value && !ct_equal(as_view(**recorded), as_view(*value));
}

}  // namespace sshotp
