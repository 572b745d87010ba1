// SPDX-License-Identifier: BSD-3-Clause
// A store plugin "from another build": the right entry point with a build stamp that is not
// this build's. test_store_factory checks that the core refuses it before calling anything.
#include "common/store_plugin.h"

namespace {

sshotp::Result<std::unique_ptr<sshotp::Store>> never_called(
    const sshotp::StorePluginRequest&) noexcept {
  return sshotp::make_error(sshotp::Errc::unavailable, "the foreign plugin was called");
}

// Only the stamp matters: the core compares it before anything else is called.
constexpr sshotp::StorePlugin kForeign = {"pam_sshotp 0.0.0 gcc 1.0 abi 0000", &never_called,
                                          nullptr, nullptr};

}  // namespace

extern "C" __attribute__((visibility("default"))) const sshotp::StorePlugin*
sshotp_store_plugin_v1() {
  return &kForeign;
}
