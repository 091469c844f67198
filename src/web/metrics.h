// Prometheus text exposition of what the store knows.
#pragma once

#include <string>

#include "store/store.h"

namespace web {
std::string RenderMetrics(store::Store& store);
}  // namespace web
