// Barcodes on catalog items (GS1: UPC-A, EAN-13, EAN-8). Lightspeed refuses a malformed code, so
// the catalog refuses it first, with words that say what is accepted.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace shop {

// The GS1 check digit ('0'-'9') for `digits` without their check digit; '\0' if not all digits.
char GtinCheckDigit(std::string_view digits);
// `digits` followed by their check digit (tests and demo data build valid codes with it).
std::string WithCheckDigit(std::string_view digits);

// upc: 12 digits (UPC-A) with a valid check digit. ean: 13 (EAN-13) or 8 (EAN-8) digits with a
// valid check digit. An empty code means none. Errors name the field and say what to send: the
// full UPC-A for an 11-digit code or an 8-digit UPC-E, the right check digit for a typing error.
base::Status ValidateUpc(std::string_view upc);
base::Status ValidateEan(std::string_view ean);

}  // namespace shop
