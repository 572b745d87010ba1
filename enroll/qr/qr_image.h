// SPDX-License-Identifier: BSD-3-Clause
// The enrollment QR code as an image file, for users who scan it from another screen or print
// it: PNG (1-bit greyscale via libpng) and SVG (written by hand: one white background and one
// black path of module runs, shape-rendering="crispEdges" so that no renderer blurs the module
// edges). Both use the module matrix of qr_terminal.h with the same 4-module quiet zone, so
// the image and the terminal drawing are the same symbol. Pure functions over the matrix; the
// result encodes the key URI, so it lives in wiping memory.
#pragma once

#include "common/result.h"
#include "common/secret.h"
#include "enroll/qr/qr_terminal.h"

namespace sshotp::cli {

// Pixels per module: about 400 px for a typical key URI, easy to scan from a screen or paper.
inline constexpr int kQrImageScale = 8;

// The bytes of a PNG file, `scale` pixels per module.
Result<SecureBytes> render_qr_png(const QrMatrix& matrix, int scale = kQrImageScale);

// The text of an SVG file whose user units are modules, displayed `scale` px per module.
SecretString render_qr_svg(const QrMatrix& matrix, int scale = kQrImageScale);

}  // namespace sshotp::cli
