// JSON ⇄ shop types for the API and the importer. Private to api/ (nlohmann stays inside).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "shop/eligibility.h"
#include "shop/order.h"
#include "store/store.h"

namespace api::codec {

using nlohmann::json;

// Parses a body; malformed JSON is an error with reason "malformed_json" (answered with 400).
base::Result<json> ParseBody(const std::string& body);

// Strict readers: wrong types, bad money and bad times are refused naming the field.
base::Result<shop::Item> ItemFromJson(const json& j, const std::string& sku_in_path);
base::Result<shop::Order> OrderFromJson(const json& j, const std::string& number_in_path,
                                        const std::string& store_currency, base::TimePoint now);
base::Result<shop::Refund> RefundFromJson(const json& j, base::TimePoint now);
base::Result<store::LightspeedSettings> SettingsFromJson(const json& j,
                                                         store::LightspeedSettings current);

json ItemToJson(const shop::Item& item);
json OrderToJson(const shop::Order& order);
json BalanceToJson(const shop::Balance& balance);
json ExportToJson(const store::ExportRecord& record,
                  const std::vector<store::ExportAttempt>* attempts);
json SettingsToJson(const store::LightspeedSettings& settings);
json ErrorJson(const base::Error& error);

}  // namespace api::codec
