// SPDX-License-Identifier: BSD-3-Clause
// Error values for the core. The core never lets an exception describe an expected failure
// (a wrong code, a missing store); those travel as Result<T>, so every caller has to look at them.
// GCC 12 has no std::expected in C++20 mode, hence this small stand-in.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sshotp {

// What went wrong, coarse enough for the PAM layer to pick a return code from.
enum class Errc {
  invalid_argument,  // bad option, config line, user input or command-line argument
  unavailable,       // store, key or config missing, unreadable, insecure or corrupt
  busy,              // store locked past the busy timeout
  not_found,         // no such user / row
  crypto,            // OpenSSL or liboath failed
  io,                // a write failed (disk full, read-only file system)
};

// Messages name the problem (a path, a key, a line number), never a secret or a code.
struct Error {
  Errc code;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace sshotp
