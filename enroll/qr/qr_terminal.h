// SPDX-License-Identifier: BSD-3-Clause
// The enrollment QR code, drawn in the terminal with UTF-8 half blocks (two module rows per text
// line) and a 4-module quiet zone. Encoding (libqrencode) and drawing are separate so the drawing
// is a pure function that tests can compare byte for byte with `qrencode -t UTF8 / UTF8i /
// ANSI256UTF8 -m 4`.
//
// Polarity: scanners want dark modules on a light background, and we cannot know the terminal's
// colours. Hence the styles:
//   ansi    (default) forces white-on-black with 256-colour SGR codes 231/16, which terminal
//           themes leave alone; light modules are drawn as blocks, so the result is dark-on-light
//           on any theme (as `qrencode -t ANSI256UTF8`).
//   utf8    no escape codes; light modules are blocks, right for light-text-on-dark terminals
//           (as `qrencode -t UTF8`).
//   invert  no escape codes; dark modules are blocks, right for dark-text-on-light terminals
//           (as `qrencode -t UTF8i`).
//   none    no QR code (the key and the URI are still printed).
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"
#include "common/secret.h"

namespace sshotp::cli {

enum class QrStyle { ansi, utf8, invert, none };

std::optional<QrStyle> parse_qr_style(std::string_view name) noexcept;

inline constexpr int kQrQuietZone = 4;  // modules of light border on every side (ISO 18004)

// The symbol, one byte per module (1 = dark), row-major. It encodes the key URI, so it is
// secret and wipes itself.
struct QrMatrix {
  int width = 0;
  SecureBytes dark;
  bool is_dark(int x, int y) const noexcept;  // false outside the symbol (the quiet zone)
};

// Level M, 8-bit mode, case-sensitive (0 would upper-case the base32 key and the label).
Result<QrMatrix> encode_qr(std::string_view text);

// The terminal drawing of `matrix`, lines ending in '\n'. `style` must not be QrStyle::none.
SecretString render_qr(const QrMatrix& matrix, QrStyle style);

}  // namespace sshotp::cli
