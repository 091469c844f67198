#include "shop/item_codes.h"

#include "base/text.h"

namespace shop {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool CheckDigitOk(std::string_view code) {
  return code.size() >= 2 && GtinCheckDigit(code.substr(0, code.size() - 1)) == code.back();
}

std::string Quoted(std::string_view s) {
  return "\"" + base::CutUtf8(s, 32) + (s.size() > 32 ? "…" : "") + "\"";
}

// The UPC-A an 8-digit UPC-E stands for (number system 0 or 1, six digits, check digit), or ""
// when it is not a valid UPC-E.
std::string ExpandUpcE(std::string_view e) {
  if (e.size() != 8 || !AllDigits(e) || (e[0] != '0' && e[0] != '1')) return "";
  const std::string d(e.substr(1, 6));
  std::string body;
  switch (d[5]) {
    case '0':
    case '1':
    case '2':
      body = d.substr(0, 2) + d[5] + "0000" + d.substr(2, 3);
      break;
    case '3':
      body = d.substr(0, 3) + "00000" + d.substr(3, 2);
      break;
    case '4':
      body = d.substr(0, 4) + "00000" + d[4];
      break;
    default:
      body = d.substr(0, 5) + "0000" + d[5];
  }
  const std::string upc_a = std::string(1, e[0]) + body;
  return GtinCheckDigit(upc_a) == e[7] ? upc_a + e[7] : "";
}

}  // namespace

char GtinCheckDigit(std::string_view digits) {
  if (!AllDigits(digits)) return '\0';
  // Weights 3, 1, 3, … from the digit next to the check digit leftwards.
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    const int d = digits[digits.size() - 1 - i] - '0';
    sum += i % 2 == 0 ? 3 * d : d;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string WithCheckDigit(std::string_view digits) {
  return std::string(digits) + GtinCheckDigit(digits);
}

base::Status ValidateUpc(std::string_view upc) {
  if (upc.empty()) return {};
  const std::string got = " (got " + Quoted(upc) + ")";
  const std::string accepted = "upc must be a 12-digit UPC-A with its check digit";
  if (!AllDigits(upc)) return base::Invalid("upc", accepted + ", digits only" + got);
  if (upc.size() == 11)
    return base::Invalid("upc", accepted + "; 11 digits lack the check digit: the full UPC-A is " +
                                    WithCheckDigit(upc) + got);
  if (const std::string upc_a = ExpandUpcE(upc); !upc_a.empty())
    return base::Invalid("upc", accepted + "; " + std::string(upc) +
                                    " is a short UPC-E code: send the UPC-A it stands for, " +
                                    upc_a);
  if (upc.size() == 6 || upc.size() == 8)
    return base::Invalid("upc", accepted +
                                    "; UPC-E (short) codes are not accepted: send the "
                                    "UPC-A printed beside it" +
                                    got);
  if (upc.size() == 13)
    return base::Invalid("upc", accepted + "; a 13-digit code is an EAN-13: send it as ean" + got);
  if (upc.size() != 12) return base::Invalid("upc", accepted + got);
  if (!CheckDigitOk(upc))
    return base::Invalid("upc", accepted + "; the check digit of " + std::string(upc) +
                                    " should be " + GtinCheckDigit(upc.substr(0, 11)) +
                                    " (a typing error?)");
  return {};
}

base::Status ValidateEan(std::string_view ean) {
  if (ean.empty()) return {};
  const std::string got = " (got " + Quoted(ean) + ")";
  const std::string accepted =
      "ean must be an EAN-13 (13 digits) or EAN-8 (8 digits) with its "
      "check digit";
  if (!AllDigits(ean)) return base::Invalid("ean", accepted + ", digits only" + got);
  if (ean.size() == 12)
    return base::Invalid("ean", accepted + "; a 12-digit code is a UPC-A: send it as upc" + got);
  if (ean.size() != 13 && ean.size() != 8) return base::Invalid("ean", accepted + got);
  if (!CheckDigitOk(ean))
    return base::Invalid("ean", accepted + "; the check digit of " + std::string(ean) +
                                    " should be " + GtinCheckDigit(ean.substr(0, ean.size() - 1)) +
                                    " (a typing error?)");
  return {};
}

}  // namespace shop
