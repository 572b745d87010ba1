// SPDX-License-Identifier: BSD-3-Clause
// Opening the key and the store for the commands (see store_access.h).
#include "enroll/cli/store_access.h"

#include "common/crypto.h"
#include "common/file_checks.h"
#include "common/key_check.h"
#include "common/store_factory.h"
#include "enroll/setuid/elevated_store.h"
#include "enroll/setuid/privilege.h"

namespace sshotp::cli {

Result<WritableStore> open_store_for_writing(const Config& config) {
  Elevated root;
  const KeyCheckNames names{config.key_file, store_name(config)};
  // An existing key is loaded (and its file checked) before the store is created or touched.
  const bool key_missing = file_missing(config.key_file);
  SecureBytes key;
  if (!key_missing) {
    auto loaded = load_key_file(config.key_file);
    if (!loaded) return std::move(loaded).error();
    key = std::move(loaded).value();
  }
  auto opened = open_store(config, OpenMode::create, StoreUse::command);
  if (!opened) return std::move(opened).error();
  std::unique_ptr<Store> store = elevate_store(std::move(opened).value());
  {
    // A look before the command prompts or prints anything; every write transaction checks
    // again (key_checked_store), so this look cannot be raced into a mixed store.
    auto txn = store->begin_read();
    if (!txn) return std::move(txn).error();
    Status st =
        key_missing ? check_key_may_be_created(**txn, names) : check_store_key(**txn, key, names);
    if (!st) return std::move(st).error();
  }
  if (key_missing) {
    auto created = load_or_create_key_file(config.key_file);
    if (!created) return std::move(created).error();
    key = std::move(created).value();
  }
  store = key_checked_store(std::move(store), key, names);
  return WritableStore{std::move(key), std::move(store)};
}

Result<std::unique_ptr<Store>> open_existing_store(const Config& config) {
  Elevated root;
  if (config.store == StoreKind::sqlite && file_missing(config.db)) return std::unique_ptr<Store>();
  auto store = open_store(config, OpenMode::existing, StoreUse::command);
  if (!store) return std::move(store).error();
  return elevate_store(std::move(store).value());
}

Result<SecureBytes> load_store_key(const Config& config) {
  Elevated root;
  return load_key_file(config.key_file);
}

Result<SecureBytes> load_key_for_writes(const Config& config, std::unique_ptr<Store>& store) {
  auto key = load_store_key(config);
  if (!key) return key;
  store = key_checked_store(std::move(store), *key, {config.key_file, store_name(config)});
  return key;
}

}  // namespace sshotp::cli
