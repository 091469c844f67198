// The demo store's catalog and orders: a bike shop with every case an export meets.
#pragma once

#include <string>

#include "base/clock.h"

namespace app {
// NDJSON: catalog items first, then about 40 orders placed over the days before `now`.
std::string DemoRecords(base::TimePoint now);
}  // namespace app
