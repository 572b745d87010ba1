// SPDX-License-Identifier: BSD-3-Clause
// Two broken store plugins for test_store_factory, which checks that the core refuses each
// before calling anything: built as foreign_plugin.so, one "from another build" (the right entry
// point with a build stamp that is not this build's); built with SSHOTP_PARTIAL_PLUGIN, as
// partial_plugin.so, one with this build's stamp that lacks entry points.
#include "common/store_plugin.h"

namespace {

sshotp::Result<std::unique_ptr<sshotp::Store>> never_called(
    const sshotp::StorePluginRequest&) noexcept {
  return sshotp::make_error(sshotp::Errc::unavailable, "the foreign plugin was called");
}

#ifdef SSHOTP_PARTIAL_PLUGIN
constexpr sshotp::StorePlugin kForeign = {sshotp::kStoreBuildStamp, &never_called, nullptr,
                                          nullptr};
#else
// Only the stamp matters: the core compares it before anything else is called.
constexpr sshotp::StorePlugin kForeign = {"pam_sshotp 0.0.0 gcc 1.0 abi 0000", &never_called,
                                          nullptr, nullptr};
#endif

}  // namespace

extern "C" __attribute__((visibility("default"))) const sshotp::StorePlugin*
sshotp_store_plugin_v1() {
  return &kForeign;
}
