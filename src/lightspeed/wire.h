// Decoding Lightspeed's JSON: one-or-many at any level, strings for every scalar, "" for an empty
// relation, no entity key when nothing matched. Private to lightspeed/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lightspeed/entities.h"

namespace lightspeed::wire {

using nlohmann::json;

// The records under `key`: absent, null or "" → none; an object → one; an array → each.
std::vector<const json*> Many(const json& parent, const std::string& key);
// A scalar as text whatever its JSON type ("277", 277, true → "277"/"true"); absent → "".
std::string Str(const json& obj, const std::string& key);
bool Bool(const json& obj, const std::string& key);
// Follows a dotted path of objects ("Contact.Emails"); nullptr when any step is missing.
const json* Path(const json& obj, const std::string& dotted);

Customer DecodeCustomer(const json& j);
Item DecodeItem(const json& j);
PaymentType DecodePaymentType(const json& j);
Sale DecodeSale(const json& j);
Shop DecodeShop(const json& j);
Register DecodeRegister(const json& j);
Employee DecodeEmployee(const json& j);
TaxCategory DecodeTaxCategory(const json& j);
Serialized DecodeSerialized(const json& j);

json EncodeCustomer(const NewCustomer& c);
json EncodeItem(const NewItem& i);
json EncodeSale(const NewSale& s);

// Lightspeed's error text from any body (JSON error object, OAuth error, or plain text/HTML).
std::string ErrorMessage(const std::string& body, int status);

// Text from an answer for our own messages: at most `max_bytes`, cut between characters, as
// valid UTF-8 (a bad byte becomes U+FFFD), so our JSON answers and timelines can carry it.
std::string Utf8Text(const std::string& text, size_t max_bytes);

}  // namespace lightspeed::wire
