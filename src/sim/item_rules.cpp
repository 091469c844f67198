// What Lightspeed checks on Item and Serialized writes beyond field types (issue 10): barcodes
// are well-formed GS1 codes, upc/ean/customSku and serial numbers are unique in the account
// (archived records included), and serialized items are itemType "default" + serialized true.
#include "sim/decimal.h"
#include "sim/model.h"

namespace sim {
namespace {

std::string Text(const Json& o, const std::string& k) { return FieldText(o, k); }

bool AllDigits(const std::string& s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

bool ValidGtin(const std::string& code, std::initializer_list<size_t> lengths) {
  bool length_ok = false;
  for (size_t n : lengths) length_ok = length_ok || code.size() == n;
  return length_ok && AllDigits(code) &&
         GtinCheckDigit(code.substr(0, code.size() - 1)) == code.back();
}

// The id of another row of `entity` whose `field` equals `value` (ignoring case), or 0.
int64_t TakenBy(const Account& acct, const std::string& entity, const std::string& id_field,
                const std::string& field, const std::string& value, int64_t self_id) {
  auto t = acct.tables.find(entity);
  if (t == acct.tables.end()) return 0;
  for (const auto& [id, row] : t->second.rows)
    if (id != self_id && EqualsIgnoreCase(Text(row, field), value)) return IdOf(row, id_field);
  return 0;
}

}  // namespace

char GtinCheckDigit(const std::string& digits) {
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    const int d = digits[digits.size() - 1 - i] - '0';
    if (d < 0 || d > 9) return '\0';
    sum += i % 2 == 0 ? 3 * d : d;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

base::Status CheckItemRules(const Account& acct, const Json& row, int64_t self_id,
                            const Json* changed) {
  // On update only what the body changes is checked: a record saved before a rule existed (an
  // older state file) can still be edited.
  const auto checked = [&](const char* field) { return !changed || changed->contains(field); };
  if (checked("itemType") && Text(row, "itemType") == "serialized")
    return BadArgument("itemType",
                       "Invalid itemType serialized: serialized items are itemType default with "
                       "serialized true");
  const std::string upc = Text(row, "upc"), ean = Text(row, "ean");
  if (checked("upc") && !upc.empty() && !ValidGtin(upc, {12}))
    return BadArgument("upc",
                       "Invalid UPC " + upc + ": a UPC is 12 digits with a valid check digit");
  if (checked("ean") && !ean.empty() && !ValidGtin(ean, {8, 13}))
    return BadArgument(
        "ean", "Invalid EAN " + ean + ": an EAN is 13 or 8 digits with a valid check digit");
  static const std::pair<const char*, const char*> kUnique[] = {
      {"upc", "UPC"}, {"ean", "EAN"}, {"customSku", "Custom SKU"}};
  for (const auto& [field, label] : kUnique) {
    const std::string value = Text(row, field);
    if (value.empty() || !checked(field)) continue;
    if (int64_t other = TakenBy(acct, "Item", "itemID", field, value, self_id))
      return BadArgument(field, std::string(label) + " " + value + " is already used by item " +
                                    std::to_string(other) + ".");
  }
  return base::OkStatus();
}

base::Status CheckSerializedRules(const Account& acct, const Json& row, int64_t self_id,
                                  const Json* changed) {
  if (changed && !changed->contains("serial")) return base::OkStatus();
  const std::string serial = Text(row, "serial");
  if (serial.empty()) return BadArgument("serial", "serial is required");
  if (int64_t other = TakenBy(acct, "Serialized", "serializedID", "serial", serial, self_id))
    return BadArgument("serial", "Serial number " + serial + " is already in use (serializedID " +
                                     std::to_string(other) + ").");
  return base::OkStatus();
}

}  // namespace sim
