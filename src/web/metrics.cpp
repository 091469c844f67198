#include "web/metrics.h"

#include "exporter/telemetry.h"

namespace web {
using exporter::telemetry::Label;

std::string RenderMetrics(store::Store& store) {
  std::string out = "# HELP spoke_exports Orders by export state.\n# TYPE spoke_exports gauge\n";
  std::string queue =
      "# HELP spoke_export_queue_depth Orders queued or exporting.\n"
      "# TYPE spoke_export_queue_depth gauge\n";
  auto stores = store.ListStores();
  if (!stores.ok()) return out;
  for (const store::StoreInfo& info : *stores) {
    auto counts = store.CountExports(info.id);
    if (!counts.ok()) continue;
    for (auto state : {shop::ExportState::kNotExported, shop::ExportState::kQueued,
                       shop::ExportState::kExporting, shop::ExportState::kExported,
                       shop::ExportState::kNeedsAttention}) {
      out += "spoke_exports{store=\"" + Label(info.slug) + "\",state=\"" + shop::Name(state) +
             "\"} " + std::to_string((*counts)[state]) + "\n";
    }
    queue += "spoke_export_queue_depth{store=\"" + Label(info.slug) + "\"} " +
             std::to_string((*counts)[shop::ExportState::kQueued] +
                            (*counts)[shop::ExportState::kExporting]) +
             "\n";
  }
  return out + queue + exporter::telemetry::Render();
}

}  // namespace web
