// The API's operations fed JSON the way the HTTP edge feeds them (api/codec.h in, the edge's
// status mapping out), for tests and benchmarks that build their records as JSON and talk to
// api::Api in-process.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/api.h"

namespace testing_support {

struct JsonReply {
  int status = 0;
  std::string body;  // the JSON answer, or the error's JSON
};

JsonReply PutItemJson(api::Api& api, store::StoreId s, const std::string& sku,
                      const nlohmann::json& item);
JsonReply PutOrderJson(api::Api& api, store::StoreId s, const std::string& number,
                       const nlohmann::json& order);
JsonReply RequestExportJson(api::Api& api, store::StoreId s, const std::string& number);
JsonReply PutSettingsJson(api::Api& api, store::StoreId s, const nlohmann::json& change);

}  // namespace testing_support
