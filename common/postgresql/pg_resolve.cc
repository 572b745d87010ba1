// SPDX-License-Identifier: BSD-3-Clause
// Host name lookups off the caller's thread (see pg_resolve.h). A detached std::thread rather
// than glibc's getaddrinfo_a(): that also runs getaddrinfo() on a thread of its own, cannot
// cancel a lookup in progress either, and would leave us its request to free (or leak) after a
// timeout, while a thread holding a shared_ptr frees its state itself whenever it ends.
#include "common/postgresql/pg_resolve.h"

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace sshotp::pg {

struct HostLookup::Shared {
  std::mutex lock;
  std::condition_variable answered;
  bool done = false;
  int status = 0;  // getaddrinfo()'s
  std::vector<std::string> addresses;
};

namespace {

// The numeric forms of getaddrinfo()'s answer, in its order (RFC 6724's), without repeats.
// Hints as libpq's own: any family, stream sockets.
int resolve(const std::string& name, int flags, std::vector<std::string>& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags;
  addrinfo* found = nullptr;
  const int status = getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (status != 0) return status;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    char numeric[NI_MAXHOST];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof numeric, nullptr, 0,
                    NI_NUMERICHOST) != 0) {
      continue;
    }
    bool seen = false;
    for (const std::string& known : out) seen = seen || known == numeric;
    if (!seen) out.emplace_back(numeric);
  }
  freeaddrinfo(found);
  return out.empty() ? EAI_NONAME : 0;
}

}  // namespace

HostLookup::HostLookup(const std::string& name) : name_(name), shared_(std::make_shared<Shared>()) {
  // An address needs no resolver: answered here, with no thread.
  if (resolve(name, AI_NUMERICHOST, shared_->addresses) == 0) {
    shared_->done = true;
    return;
  }
  std::thread([shared = shared_, name]() noexcept {
    std::vector<std::string> found;
    int status = EAI_MEMORY;
    try {
      status = resolve(name, 0, found);
    } catch (...) {  // std::bad_alloc: an exception leaving a thread would end the process
      found.clear();
    }
    const std::lock_guard<std::mutex> held(shared->lock);
    shared->status = status;
    shared->addresses = std::move(found);  // no allocation: a move
    shared->done = true;
    shared->answered.notify_all();
  }).detach();
}

Result<std::vector<std::string>> HostLookup::addresses(int timeout_ms) {
  std::unique_lock<std::mutex> held(shared_->lock);
  if (!shared_->answered.wait_for(held, std::chrono::milliseconds(timeout_ms),
                                  [this] { return shared_->done; })) {
    return make_error(Errc::unavailable, "resolving host " + name_ + ": timed out after " +
                                             std::to_string(timeout_ms) + " ms");
  }
  if (shared_->status != 0) {
    return make_error(Errc::unavailable,
                      "resolving host " + name_ + ": " + gai_strerror(shared_->status));
  }
  return shared_->addresses;
}

}  // namespace sshotp::pg
