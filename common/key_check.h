// SPDX-License-Identifier: BSD-3-Clause
// Which key a store belongs to. The store's secrets are sealed under the key file; a key file
// lost or restored from another backup would make every enrollment fail closed, and a CLI that
// went on writing (or created a new key) would mix two keys in one store. So the store records
// a key check value, and the CLI compares the key with it before every write.
//
// The check value is HMAC-SHA256 over a fixed label under a check key, itself HMAC-SHA256 of
// a second label keyed with the store key, as recovery codes derive theirs. So the store key
// is used for AES-256-GCM and also as an HMAC key for this derivation. That is fine: HMAC-SHA256
// is a PRF, and keyed with a uniformly random 32-byte key over a label no other use shares
// (pam_sshotp:v1:key-check-key) it works as a KDF whose output is independent of the AES
// keystream and tags; the check value, a PRF output over a further distinct label, reveals
// nothing about the key and cannot be confused with any other derived value.
// The logic works through the Store interface, so every backend gets it.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"

namespace sshotp {

// The check value of `key` (kMacBytes).
Result<KeyCheckValue> key_check_value(const SecureBytes& key);

// Names for messages: the key file and the store, as the config gives them.
struct KeyCheckNames {
  std::string key_file;
  std::string store;
};

// Whether `key` is the key of the store `txn` reads, without writing anything. A recorded check
// value decides; without one, opening one sealed secret does; a store with neither (no check
// value, nobody enrolled) accepts any key. Errc::unavailable, naming both files, otherwise.
// A recorded value equal to the key's costs one small read; only a missing or different value
// counts the enrollments (a scan) and may open a secret.
Status check_store_key(StoreTransaction& txn, const SecureBytes& key, const KeyCheckNames& names);

// The same inside a write transaction, before anything else is written in it: it also records
// the check value when the store has none yet (stores made before it existed, or new ones).
// A store with nobody enrolled has no secret sealed under its recorded key, so its value is
// replaced instead of refusing a new key there.
Status check_and_record_store_key(StoreTransaction& txn, const SecureBytes& key,
                                  const KeyCheckNames& names);

// Refuses to create a key file for a store whose enrollments are sealed under another key
// (the key file is missing, yet users are enrolled): call it before creating the key.
Status check_key_may_be_created(StoreTransaction& txn, const KeyCheckNames& names);

// `store` whose every write transaction starts with check_and_record_store_key(), so nothing
// is written under a key that does not belong to the store. Read transactions pass through.
std::unique_ptr<Store> key_checked_store(std::unique_ptr<Store> store, const SecureBytes& key,
                                         KeyCheckNames names);

// For the module's log, after a sealed secret failed to open: true when `key` is demonstrably
// not the store's key (the check value differs), false when it matches or cannot tell.
bool store_key_differs(StoreTransaction& txn, const SecureBytes& key);

}  // namespace sshotp
