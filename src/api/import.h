// `spoke import`: catalog items and orders from a JSON array or NDJSON, through the same
// operations as the API. A bad record is reported and never stops the rest.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/api.h"

namespace api {

struct ImportRejection {
  size_t record = 0;  // 1-based position in the file (line number for NDJSON)
  std::string key;    // SKU or order number when known
  std::string field;
  std::string message;
};

struct ImportSummary {
  size_t items_accepted = 0, orders_accepted = 0;
  std::vector<ImportRejection> rejections;
};

using ImportProgress = std::function<void(size_t done, size_t total)>;

// Items are applied before orders so an order may name an item later in the same file.
base::Result<ImportSummary> ImportRecords(Api& api, store::StoreId s, const std::string& content,
                                          const ImportProgress& progress);

}  // namespace api
