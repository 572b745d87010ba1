// SPDX-License-Identifier: BSD-3-Clause
// The key and the store as the commands use them: opened as root (setuid/elevated_store.h),
// checked against each other (common/key_check.h), and created only by a writing command.
#pragma once

#include <memory>

#include "common/config.h"
#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"

namespace sshotp::cli {

// The store key and the store itself, created on first use (key 0600, directory 0700, db 0600).
// The key must be the store's (key_check.h): checked now, and again by every write transaction.
// A missing key is created only while nobody is enrolled.
struct WritableStore {
  SecureBytes key;
  std::unique_ptr<Store> store;
};
Result<WritableStore> open_store_for_writing(const Config& config);

// Opens an existing store without creating anything. A store file that does not exist yet
// yields nullptr: nobody is enrolled under this configuration.
Result<std::unique_ptr<Store>> open_existing_store(const Config& config);

// The existing key file (never created here).
Result<SecureBytes> load_store_key(const Config& config);

// The existing key, and `store` (an existing one) wrapped so that every write transaction first
// checks that key against it (key_check.h): a secret or code hashed, or a counter moved, under a
// key that is not the store's would never match again.
Result<SecureBytes> load_key_for_writes(const Config& config, std::unique_ptr<Store>& store);

}  // namespace sshotp::cli
