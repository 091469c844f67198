#include "api/import.h"

#include <algorithm>

#include "api/codec.h"
#include "base/text.h"

namespace api {
namespace {

using codec::json;

struct Record {
  size_t position;
  json value;
};

void Reject(ImportSummary* summary, size_t position, const std::string& key, const Response& r) {
  json body = json::parse(r.body, nullptr, false);
  // The key is quoted back as it came: a refused one may be of any length.
  ImportRejection rej{position, base::CutUtf8(key, 80), "",
                      "rejected (HTTP " + std::to_string(r.status) + ")"};
  if (body.is_object() && body.contains("error")) {
    rej.message = body["error"].value("message", rej.message);
    rej.field = body["error"].value("field", "");
  }
  summary->rejections.push_back(std::move(rej));
}

}  // namespace

base::Result<ImportSummary> ImportRecords(Api& api, store::StoreId s, const std::string& content,
                                          const ImportProgress& progress) {
  ImportSummary summary;
  std::vector<Record> records;
  const size_t first = content.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && content[first] == '[') {
    json all = json::parse(content, nullptr, false);
    if (all.is_discarded() || !all.is_array())
      return base::Invalid("file", "the file starts with '[' but is not a valid JSON array");
    for (size_t i = 0; i < all.size(); ++i) records.push_back({i + 1, std::move(all[i])});
  } else {
    size_t line_no = 0, pos = 0;
    while (pos <= content.size()) {
      size_t end = content.find('\n', pos);
      if (end == std::string::npos) end = content.size();
      const std::string line = content.substr(pos, end - pos);
      ++line_no;
      pos = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded())
        summary.rejections.push_back({line_no, "", "", "this line is not valid JSON"});
      else
        records.push_back({line_no, std::move(j)});
    }
  }

  std::vector<const Record*> items, orders;
  for (const Record& r : records) {
    if (r.value.is_object() && (r.value.contains("lines") || r.value.contains("number")))
      orders.push_back(&r);
    else if (r.value.is_object() && r.value.contains("sku"))
      items.push_back(&r);
    else
      summary.rejections.push_back(
          {r.position, "", "", "neither an item (has \"sku\") nor an order (has \"number\")"});
  }
  const size_t total = items.size() + orders.size();
  size_t done = 0;
  auto key_of = [](const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const Record* r : items) {
    const std::string sku = key_of(r->value, "sku");
    Response resp = sku.empty() ? Api::Error(base::Invalid("sku", "sku must be a string"))
                                : api.PutItem(s, sku, r->value.dump());
    if (resp.status < 300)
      ++summary.items_accepted;
    else
      Reject(&summary, r->position, sku, resp);
    if (progress) progress(++done, total);
  }
  for (const Record* r : orders) {
    const std::string number = key_of(r->value, "number");
    Response resp = number.empty() ? Api::Error(base::Invalid("number", "number must be a string"))
                                   : api.PutOrder(s, number, r->value.dump());
    if (resp.status < 300)
      ++summary.orders_accepted;
    else
      Reject(&summary, r->position, number, resp);
    if (progress) progress(++done, total);
  }
  std::sort(summary.rejections.begin(), summary.rejections.end(),
            [](const ImportRejection& a, const ImportRejection& b) { return a.record < b.record; });
  return summary;
}

}  // namespace api
