// `spoke import` on any file content: api::ImportRecords over a real SQLite store (one per
// process, in a temporary folder), through the same api::Api operations the HTTP API uses.
// A bad record is reported with its position and never stops the rest.
#include <chrono>
#include <string>

#include "api/import.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/temp_store.h"

namespace {

struct World {
  base::ManualClock clock{base::TimePoint(std::chrono::seconds(1795000000))};
  fuzz::TempStore store{"import", &clock};
  api::Api api{store.db(), clock, api::ApiOptions{}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;  // one store for the whole process
  const std::string content(fuzz::AsText(data, size));
  size_t last_done = 0, last_total = 0;
  auto summary =
      api::ImportRecords(world.api, world.store.id(), content, [&](size_t done, size_t total) {
        FUZZ_CHECK(done == last_done + 1 && done <= total,
                   "progress " + std::to_string(done) + "/" + std::to_string(total));
        last_done = done;
        last_total = total;
      });
  if (!summary.ok()) {
    FUZZ_CHECK(summary.error().field == "file", summary.error().message);
    return 0;
  }
  FUZZ_CHECK(last_done == last_total, "progress stopped short");
  FUZZ_CHECK(summary->items_accepted + summary->orders_accepted <= last_total,
             "more accepted than records");
  for (const api::ImportRejection& r : summary->rejections)
    FUZZ_CHECK(r.record >= 1 && !r.message.empty(), "a rejection without position or message");
  return 0;
}
