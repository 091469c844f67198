#include "tests/support/api_json.h"

#include "api/codec.h"
#include "web/api_routes.h"

namespace testing_support {
namespace {

template <typename T, typename ToJson>
JsonReply Reply(const base::Result<T>& r, int status, ToJson to_json) {
  if (!r.ok())
    return {web::HttpStatus(r.error().code), api::codec::Dump(api::codec::ErrorJson(r.error()))};
  return {status, api::codec::Dump(to_json(*r))};
}

JsonReply Error(const base::Error& e) {
  return {web::HttpStatus(e.code), api::codec::Dump(api::codec::ErrorJson(e))};
}

}  // namespace

JsonReply PutItemJson(api::Api& api, store::StoreId s, const std::string& sku,
                      const nlohmann::json& item) {
  auto parsed = api::codec::ItemFromJson(item, sku);
  if (!parsed.ok()) return Error(parsed.error());
  auto put = api.PutItem(s, std::move(*parsed));
  return Reply(put, put.ok() && put->created ? 201 : 200,
               [](const auto& w) { return api::codec::ItemToJson(w.value); });
}

JsonReply PutOrderJson(api::Api& api, store::StoreId s, const std::string& number,
                       const nlohmann::json& order) {
  auto parsed = api::codec::OrderFromJson(order, number, api.clock().Now());
  if (!parsed.ok()) return Error(parsed.error());
  auto put = api.PutOrder(s, std::move(*parsed));
  return Reply(put, put.ok() && put->created ? 201 : 200,
               [](const auto& w) { return api::codec::OrderViewToJson(w.value, true); });
}

JsonReply RequestExportJson(api::Api& api, store::StoreId s, const std::string& number) {
  return Reply(api.RequestExport(s, number), 202,
               [](const store::ExportRecord& e) { return api::codec::ExportToJson(e, nullptr); });
}

JsonReply PutSettingsJson(api::Api& api, store::StoreId s, const nlohmann::json& change) {
  auto parsed = api::codec::SettingsChangeFromJson(change);
  if (!parsed.ok()) return Error(parsed.error());
  return Reply(api.ChangeLightspeedSettings(s, *parsed), 200, api::codec::SettingsToJson);
}

}  // namespace testing_support
