// Prometheus text exposition of what the store knows.
#pragma once

#include <string>

#include "exporter/engine.h"
#include "store/store.h"

namespace web {
// The store's counts for every store, the process's Lightspeed telemetry and, when this process
// runs an engine, its node (spoke_node_info) and the lanes it holds (spoke_node_lane): per node,
// so a scraper sums or joins them across nodes.
std::string RenderMetrics(store::Store& store, const exporter::Engine* engine = nullptr);
}  // namespace web
