// The JSON form of the API's types: strict readers that refuse wrong types, bad money and bad
// times naming the field, and the writers the JSON API answers with. Used at the HTTP edge
// (web/api_routes.cpp) and by the importer; the operations (api.h) never see JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/api.h"
#include "base/result.h"
#include "shop/eligibility.h"
#include "shop/order.h"
#include "store/store.h"

namespace api::codec {

using nlohmann::json;

// Parses a body; malformed JSON is a kMalformed error (answered with 400).
base::Result<json> ParseBody(const std::string& body);

base::Result<shop::Item> ItemFromJson(const json& j, const std::string& sku_in_path);
// An order without "currency" gets "" (the operation fills in the store's currency).
base::Result<shop::Order> OrderFromJson(const json& j, const std::string& number_in_path,
                                        base::TimePoint now);
base::Result<shop::Refund> RefundFromJson(const json& j, base::TimePoint now);
base::Result<SettingsChange> SettingsChangeFromJson(const json& j);

json ItemToJson(const shop::Item& item);
json OrderToJson(const shop::Order& order);
json BalanceToJson(const shop::Balance& balance);
json ExportToJson(const store::ExportRecord& record,
                  const std::vector<store::ExportAttempt>* attempts);
// The order with its balance, export record (with the timeline when asked) and exportability.
json OrderViewToJson(const OrderView& view, bool with_timeline);
// GET /api/v1/orders/{n}/export/preview: what an export would send (ids null while not known).
json ExportPreviewToJson(const ExportPreview& preview);
json SettingsToJson(const store::LightspeedSettings& settings);
json ConnectionStatusToJson(const ConnectionStatus& status);
json ErrorJson(const base::Error& error);
// A reconciliation's result: the window, the run, and its differences with links to the orders
// (codec_reconcile.cpp).
json ReconcileRunToJson(const store::ReconcileRun& run);
// Text for the wire: bytes that are not UTF-8 (a key from a URL may hold any) become U+FFFD.
std::string Dump(const json& j);

// One record of an import file (JSON array or NDJSON), read into an item or an order, or the
// reason it could not be.
struct FileRecord {
  size_t position = 0;  // 1-based: array index or line number
  std::string key;      // SKU or order number when known
  std::optional<shop::Item> item;
  std::optional<shop::Order> order;
  std::optional<base::Error> error;
};
// Fails only when the whole file cannot be read (an array that is not valid JSON).
base::Result<std::vector<FileRecord>> ReadImportFile(const std::string& content,
                                                     base::TimePoint now);

}  // namespace api::codec
