#include "web/metrics.h"

#include "exporter/telemetry.h"

namespace web {
using exporter::telemetry::Label;

namespace {

std::string NodeMetrics(const exporter::Engine& engine) {
  const std::string node = Label(engine.node());
  std::string out =
      "# HELP spoke_node_info This process's node name in lane leases.\n"
      "# TYPE spoke_node_info gauge\n"
      "spoke_node_info{node=\"" +
      node +
      "\"} 1\n"
      "# HELP spoke_node_lane Lanes (Lightspeed accounts) this node drives now.\n"
      "# TYPE spoke_node_lane gauge\n";
  for (const std::string& lane : engine.HeldLanes())
    out += "spoke_node_lane{node=\"" + node + "\",lane=\"" + Label(lane) + "\"} 1\n";
  return out;
}

}  // namespace

std::string RenderMetrics(store::Store& store, const exporter::Engine* engine) {
  std::string out = "# HELP spoke_exports Orders by export state.\n# TYPE spoke_exports gauge\n";
  std::string queue =
      "# HELP spoke_export_queue_depth Orders queued or exporting.\n"
      "# TYPE spoke_export_queue_depth gauge\n";
  auto stores = store.ListStores();
  auto all = store.CountExportsByStore();
  if (!stores.ok() || !all.ok()) return out;
  for (const store::StoreInfo& info : *stores) {
    auto& counts = (*all)[info.id];  // a store without orders: zeros
    for (auto state : {shop::ExportState::kNotExported, shop::ExportState::kQueued,
                       shop::ExportState::kExporting, shop::ExportState::kExported,
                       shop::ExportState::kNeedsAttention}) {
      out += "spoke_exports{store=\"" + Label(info.slug) + "\",state=\"" + shop::Name(state) +
             "\"} " + std::to_string(counts[state]) + "\n";
    }
    queue +=
        "spoke_export_queue_depth{store=\"" + Label(info.slug) + "\"} " +
        std::to_string(counts[shop::ExportState::kQueued] + counts[shop::ExportState::kExporting]) +
        "\n";
  }
  return out + queue + exporter::telemetry::Render() +
         (engine ? NodeMetrics(*engine) : std::string());
}

}  // namespace web
