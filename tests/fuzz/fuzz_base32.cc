// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the base32 codec (what `sshotp-enroll import` reads from a pasted key). The input is
// used twice: as text to decode, and as bytes to encode. Oracles: decoding ignores case, and a
// decoded key survives an encode/decode round trip; encoding any bytes gives unpadded RFC 4648
// text of the right length that decodes back to the same bytes.
#include <algorithm>
#include <cctype>
#include <string>

#include "common/base32.h"
#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

namespace {

bool same_bytes(const SecureBytes& a, const SecureBytes& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool rfc4648_alphabet(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'); });
}

// Encodes, checks the text, and decodes it back.
void require_round_trip(const SecureBytes& bytes) {
  auto encoded = base32_encode(bytes);
  require(encoded.ok(), "encoding never fails");
  require(rfc4648_alphabet(encoded->view()), "encoding uses A-Z2-7 only, no padding");
  require(encoded->size() == (bytes.size() * 8 + 4) / 5, "encoding has ceil(8n/5) characters");
  if (bytes.empty()) return;  // "" is refused as an empty key, by design
  auto decoded = base32_decode(encoded->view());
  require(decoded.ok() && same_bytes(*decoded, bytes), "decode(encode(x)) == x");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  auto decoded = base32_decode(text);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  auto decoded_lower = base32_decode(lower);
  require(decoded.ok() == decoded_lower.ok(), "decoding ignores case");
  if (decoded) {
    require(same_bytes(*decoded, *decoded_lower), "decoding ignores case (bytes)");
    require_round_trip(*decoded);
  } else {
    require(decoded.error().code == Errc::invalid_argument, "bad base32 is invalid_argument");
  }
  require_round_trip(SecureBytes(data, data + size));
  return 0;
}
