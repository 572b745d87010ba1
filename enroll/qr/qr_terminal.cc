// SPDX-License-Identifier: BSD-3-Clause
// libqrencode wrapper and the half-block renderer described in qr_terminal.h.
#include "enroll/qr/qr_terminal.h"

#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace sshotp::cli {
namespace {

// QRcode.data encodes the URI (and so the key): wipe it before libqrencode frees it.
struct QrcodeFree {
  void operator()(QRcode* code) const noexcept {
    if (code->data != nullptr) {
      secure_wipe(code->data,
                  static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width));
    }
    QRcode_free(code);
  }
};

constexpr std::string_view kUpperHalf = "\xe2\x96\x80";  // U+2580 ▀
constexpr std::string_view kLowerHalf = "\xe2\x96\x84";  // U+2584 ▄
constexpr std::string_view kFullBlock = "\xe2\x96\x88";  // U+2588 █

// Fixed 256-colour white foreground on black background: unlike the 16 ANSI colours, palette
// entries 231 and 16 are not remapped by terminal themes.
constexpr std::string_view kForceColours = "\x1b[38;5;231m\x1b[48;5;16m";
constexpr std::string_view kResetColours = "\x1b[0m";

void append(SecretString& out, std::string_view text) {
  for (char c : text) out.push_back(c);
}

// The glyph for one text cell; `top`/`bottom` say whether each half is drawn (in the
// foreground colour).
std::string_view glyph(bool top, bool bottom) {
  if (top && bottom) return kFullBlock;
  if (top) return kUpperHalf;
  if (bottom) return kLowerHalf;
  return " ";
}

}  // namespace

std::optional<QrStyle> parse_qr_style(std::string_view name) noexcept {
  if (name == "ansi") return QrStyle::ansi;
  if (name == "utf8") return QrStyle::utf8;
  if (name == "invert") return QrStyle::invert;
  if (name == "none") return QrStyle::none;
  return std::nullopt;
}

bool QrMatrix::is_dark(int x, int y) const noexcept {
  if (x < 0 || y < 0 || x >= width || y >= width) return false;
  return dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
              static_cast<std::size_t>(x)] != 0;
}

Result<QrMatrix> encode_qr(std::string_view text) {
  const SecretString terminated(text);  // libqrencode wants a C string
  std::unique_ptr<QRcode, QrcodeFree> code(
      QRcode_encodeString(terminated.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!code) {
    return make_error(Errc::invalid_argument,
                      std::string("cannot draw the QR code: ") +
                          (errno == ERANGE ? "the key URI is too long" : std::strerror(errno)));
  }
  QrMatrix matrix;
  matrix.width = code->width;
  const std::size_t cells =
      static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
  matrix.dark.resize(cells);
  // Bit 0 is the module colour; the other bits only describe its role.
  for (std::size_t i = 0; i < cells; ++i) matrix.dark[i] = code->data[i] & 1;
  return matrix;
}

SecretString render_qr(const QrMatrix& matrix, QrStyle style) {
  const bool draw_dark = style == QrStyle::invert;
  const bool colours = style == QrStyle::ansi;
  // Light modules are drawn unless inverted; the quiet zone counts as light.
  auto drawn = [&](int x, int y) { return matrix.is_dark(x, y) == draw_dark; };

  SecretString out;
  const int first = -kQrQuietZone;
  const int last = matrix.width + kQrQuietZone;  // exclusive
  // Each text line covers module rows y and y + 1; below an odd last row lies quiet zone.
  for (int y = first; y < last; y += 2) {
    if (colours) append(out, kForceColours);
    for (int x = first; x < last; ++x) append(out, glyph(drawn(x, y), drawn(x, y + 1)));
    if (colours) append(out, kResetColours);
    out.push_back('\n');
  }
  return out;
}

}  // namespace sshotp::cli
