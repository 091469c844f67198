// base::ParseTime on any text. Whatever it accepts must print (FormatTime) as an RFC 3339 time
// that it accepts again as the same instant: the API answers times in that form and a client may
// send them straight back. A time already written the way FormatTime writes it prints unchanged.
// Also base::StartOfDayInZone (reconciliation's `from`/`to` dates, issue 15): a date it accepts
// starts that very day in the zone.
#include <string>

#include "base/clock.h"
#include "base/time_zone.h"
#include "fuzz/fuzz_util.h"

namespace {

void CheckDate(const std::string& text) {
  auto day = base::StartOfDayInZone(text, "America/Denver", "from");
  if (!day.ok()) {
    FUZZ_CHECK(day.error().field == "from" && !day.error().message.empty(), day.error().message);
    return;
  }
  const std::string printed = base::FormatInZone(*day, "America/Denver", "%Y-%m-%d %H:%M");
  FUZZ_CHECK(printed == text + " 00:00", text + " starts at " + printed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::AsText(data, size));
  CheckDate(text);
  auto t = base::ParseTime(text, "placed_at");
  if (!t.ok()) {
    FUZZ_CHECK(t.error().field == "placed_at" && !t.error().message.empty(), t.error().message);
    return 0;
  }
  const std::string printed = base::FormatTime(*t);
  FUZZ_CHECK(printed.size() == 20, text + " printed as " + printed);
  auto again = base::ParseTime(printed, "placed_at");
  FUZZ_CHECK(again.ok(), text + " printed as " + printed + ", which is refused");
  FUZZ_CHECK(*again == *t, text + " printed as " + printed + ", a different instant");
  const bool canonical = text.size() == 20 && text[10] == 'T' && text[19] == 'Z' &&
                         text.compare(17, 2, "60") != 0;  // a leap second moves to the next minute
  if (canonical) FUZZ_CHECK(printed == text, text + " printed as " + printed);
  return 0;
}
