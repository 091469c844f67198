// The JSON form of a reconciliation (issue 15).
#include "api/codec.h"
#include "lightspeed/transport.h"

namespace api::codec {

json ReconcileRunToJson(const store::ReconcileRun& run) {
  auto money = [](const std::optional<base::Money>& m) {
    return m ? json(m->ToString()) : json(nullptr);
  };
  json differences = json::array();
  for (const auto& d : run.differences) {
    json e = {{"kind", d.kind},
              {"order", d.order.empty() ? json(nullptr) : json(d.order)},
              {"reference", d.reference},
              {"sale_id", d.sale_id.empty() ? json(nullptr) : json(d.sale_id)},
              {"expected_total", money(d.expected_total)},
              {"lightspeed_total", money(d.lightspeed_total)},
              {"message", d.message}};
    if (!d.order.empty())
      e["links"] = {{"order", "/api/v1/orders/" + lightspeed::UrlEscape(d.order)},
                    {"page", "/orders/" + lightspeed::UrlEscape(d.order)}};
    differences.push_back(std::move(e));
  }
  return {{"from", base::FormatTime(run.from)},
          {"to", base::FormatTime(run.to)},
          {"run",
           {{"id", run.id},
            {"kind", run.run_kind},
            {"started_at", base::FormatTime(run.started_at)},
            {"finished_at", base::FormatTime(run.finished_at)},
            {"ok", run.ok},
            {"message", run.ok ? json(nullptr) : json(run.message)},
            {"lightspeed_requests", run.requests}}},
          {"differences", differences}};
}

}  // namespace api::codec
