#include "api/import.h"

#include <algorithm>

#include "api/codec.h"
#include "base/text.h"

namespace api {

base::Result<ImportSummary> ImportRecords(Api& api, store::StoreId s, const std::string& content,
                                          const ImportProgress& progress) {
  auto records = codec::ReadImportFile(content, api.clock().Now());
  if (!records.ok()) return records.error();
  ImportSummary summary;
  auto reject = [&](const codec::FileRecord& r, const base::Error& e) {
    // The key is quoted back as it came: a refused one may be of any length.
    summary.rejections.push_back({r.position, base::CutUtf8(r.key, 80), e.field, e.message});
  };
  std::vector<codec::FileRecord*> items, orders;
  for (codec::FileRecord& r : *records) {
    if (r.error)
      reject(r, *r.error);
    else if (r.item)
      items.push_back(&r);
    else
      orders.push_back(&r);
  }
  const size_t total = items.size() + orders.size();
  size_t done = 0;
  // Items first, so an order may name an item later in the same file.
  for (codec::FileRecord* r : items) {
    if (auto put = api.PutItem(s, std::move(*r->item)); put.ok())
      ++summary.items_accepted;
    else
      reject(*r, put.error());
    if (progress) progress(++done, total);
  }
  for (codec::FileRecord* r : orders) {
    if (auto put = api.PutOrder(s, std::move(*r->order)); put.ok())
      ++summary.orders_accepted;
    else
      reject(*r, put.error());
    if (progress) progress(++done, total);
  }
  std::sort(summary.rejections.begin(), summary.rejections.end(),
            [](const ImportRejection& a, const ImportRejection& b) { return a.record < b.record; });
  return summary;
}

}  // namespace api
