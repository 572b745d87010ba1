// SPDX-License-Identifier: BSD-3-Clause
// cmocka 1.1.5's header has no extern "C" guard outside _WIN32; from C++ it compiles but fails
// to link. Include it through this file only.
#pragma once

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>

extern "C" {
#include <cmocka.h>
}
