// The Lightspeed answer decoder on any body: every Decode* on every record the body holds under
// each entity key (one-or-many, as the client reads lists), the `next` link, and ErrorMessage.
// Scalars must read as Lightspeed wrote them, and error text must be usable in our own JSON
// answers and pages (it ends up in the export timeline).
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_util.h"
#include "lightspeed/wire.h"

namespace {

using lightspeed::wire::json;

void CheckScalars(const json& obj) {
  if (!obj.is_object()) return;
  for (const auto& [key, value] : obj.items()) {
    const std::string text = lightspeed::wire::Str(obj, key);
    if (value.is_number())
      FUZZ_CHECK(text == value.dump(), key + ": " + value.dump() + " read as " + text);
    if (value.is_string()) FUZZ_CHECK(text == value.get<std::string>(), key);
  }
}

void DecodeAll(const json& body) {
  namespace w = lightspeed::wire;
  for (const auto* e : w::Many(body, "Customer")) {
    CheckScalars(*e);
    (void)w::DecodeCustomer(*e);
  }
  for (const auto* e : w::Many(body, "Item")) (void)w::DecodeItem(*e);
  for (const auto* e : w::Many(body, "PaymentType")) (void)w::DecodePaymentType(*e);
  for (const auto* e : w::Many(body, "Sale")) {
    CheckScalars(*e);
    (void)w::DecodeSale(*e);
  }
  for (const auto* e : w::Many(body, "Shop")) (void)w::DecodeShop(*e);
  for (const auto* e : w::Many(body, "Register")) (void)w::DecodeRegister(*e);
  for (const auto* e : w::Many(body, "Employee")) (void)w::DecodeEmployee(*e);
  for (const auto* e : w::Many(body, "TaxCategory")) (void)w::DecodeTaxCategory(*e);
  for (const auto* e : w::Many(body, "Account")) CheckScalars(*e);
  if (const json* attrs = w::Path(body, "@attributes")) {
    CheckScalars(*attrs);
    (void)w::Str(*attrs, "next");
  }
  // A body that is one record, as a create answers without the envelope.
  (void)w::DecodeSale(body);
  (void)w::DecodeCustomer(body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(fuzz::AsText(data, size));
  const json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_discarded()) DecodeAll(parsed);
  for (int status : {400, 404, 500}) {
    const std::string message = lightspeed::wire::ErrorMessage(body, status);
    FUZZ_CHECK(!message.empty(), "an empty error message");
    try {
      (void)json(message).dump();
    } catch (const json::exception& e) {
      FUZZ_CHECK(false, std::string("the error text cannot go into JSON: ") + e.what());
    }
  }
  return 0;
}
