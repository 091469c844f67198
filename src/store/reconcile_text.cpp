#include "store/reconcile_text.h"

#include <nlohmann/json.hpp>

namespace store::rules {

using nlohmann::json;

std::string DifferencesToText(const std::vector<ReconcileDifference>& differences) {
  json out = json::array();
  for (const auto& d : differences) {
    json e = {{"kind", d.kind},
              {"order", d.order},
              {"reference", d.reference},
              {"sale_id", d.sale_id},
              {"message", d.message}};
    if (d.expected_total) e["expected_cents"] = d.expected_total->cents();
    if (d.lightspeed_total) e["lightspeed_cents"] = d.lightspeed_total->cents();
    out.push_back(std::move(e));
  }
  return out.dump();
}

std::vector<ReconcileDifference> DifferencesFromText(const std::string& text) {
  std::vector<ReconcileDifference> out;
  const json in = json::parse(text, nullptr, false);
  if (!in.is_array()) return out;
  for (const auto& e : in) {
    if (!e.is_object()) continue;
    ReconcileDifference d;
    d.kind = e.value("kind", "");
    d.order = e.value("order", "");
    d.reference = e.value("reference", "");
    d.sale_id = e.value("sale_id", "");
    d.message = e.value("message", "");
    if (e.contains("expected_cents") && e["expected_cents"].is_number_integer())
      d.expected_total = base::Money::FromCents(e["expected_cents"].get<int64_t>());
    if (e.contains("lightspeed_cents") && e["lightspeed_cents"].is_number_integer())
      d.lightspeed_total = base::Money::FromCents(e["lightspeed_cents"].get<int64_t>());
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace store::rules
