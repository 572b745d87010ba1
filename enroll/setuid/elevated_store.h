// SPDX-License-Identifier: BSD-3-Clause
// The store as a setuid sshotp-enroll uses it: root only while it is inside the store. Every
// call runs in an Elevated scope (privilege.h), and so does the whole life of a transaction, so
// the write lock is never held by a process its caller may stop or signal; a committed
// transaction drops back to the user at once. An open store still opens files by name inside
// its root-only directory (SQLite's WAL and shared-memory index, lazily and again when missing;
// commit() reopens the WAL to sync it): hence root for every call and for closing, not only
// for the open.
#pragma once

#include <memory>

#include "common/store.h"

namespace sshotp::cli {

// Wraps `store` when running setuid; returns it unchanged otherwise.
std::unique_ptr<Store> elevate_store(std::unique_ptr<Store> store);

}  // namespace sshotp::cli
