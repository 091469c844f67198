#include "sim/rate_limit.h"

#include <algorithm>
#include <map>
#include <set>

#include "sim/decimal.h"

namespace sim {
namespace {

constexpr int64_t kUnit = 1000000;

bool IsNestedEntityKey(const std::string& k) {
  static const char* kNames[] = {
      "SaleLine",       "SalePayment",    "Contact",        "ContactEmail", "ContactPhone",
      "ContactAddress", "ContactWebsite", "ItemPrice",      "ItemShop",     "Note",
      "InternalNote",   "PrintedNote",    "ItemAttributes", "Customer",     "Item"};
  for (const char* n : kNames)
    if (k == n) return true;
  return false;
}

bool SetsCompleted(const Json* body) {
  if (!body || !body->is_object()) return false;
  auto it = body->find("completed");
  if (it == body->end()) return false;
  auto t = ScalarText(*it);
  return t && (*t == "true" || *t == "1");
}

}  // namespace

RateConfig DefaultRate(const std::string& model, int registers) {
  RateConfig r;
  r.model = model;
  const int extra = std::max(registers, 1) - 1;
  if (model == "legacy") {
    r.size_micro = 60 * kUnit;
    r.drip_micro = kUnit;
  } else {
    r.size_micro = (90 + 10 * extra) * kUnit;
    r.drip_micro = kUnit + extra * kUnit / 2;
  }
  r.burst_limit = std::max<int64_t>(1, DivRoundHalfAway(r.size_micro * 20, 90 * kUnit));
  return r;
}

int NestedEntityCount(const Json& body) {
  int n = 0;
  if (body.is_array()) {
    for (const auto& e : body) n += NestedEntityCount(e);
  } else if (body.is_object()) {
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (IsNestedEntityKey(it.key())) {
        if (it->is_object()) n += 1;
        if (it->is_array())
          for (const auto& e : *it) n += e.is_object() ? 1 : 0;
      }
      n += NestedEntityCount(*it);
    }
  }
  return n;
}

int OrCostDrips(const std::string& or_value) {
  std::set<std::string> fields;
  std::map<std::string, int> operands_by_entity;  // "" = the entity itself, else the relation
  int operands = 0, ranges = 0;
  size_t start = 0;
  while (start <= or_value.size()) {
    size_t bar = or_value.find('|', start);
    if (bar == std::string::npos) bar = or_value.size();
    const std::string operand = or_value.substr(start, bar - start);
    start = bar + 1;
    const size_t eq = operand.find('=');
    const std::string field = operand.substr(0, eq);
    const std::string expr = eq == std::string::npos ? "" : operand.substr(eq + 1);
    const std::string op = expr.substr(0, expr.find(','));
    if (expr.find(',') != std::string::npos &&
        (op == ">" || op == ">=" || op == "<" || op == "<=" || op == "><"))
      ++ranges;
    fields.insert(field);
    const size_t dot = field.find('.');
    ++operands_by_entity[dot == std::string::npos ? "" : field.substr(0, dot)];
    ++operands;
  }
  if (fields.size() <= 1) return 0;
  if (operands_by_entity.size() == 1 && ranges <= 1) return operands;
  int drips = 0;
  for (const auto& [entity, n] : operands_by_entity) drips += 10 + (n - 1);
  return drips;
}

int64_t RequestCostMicro(const RateConfig& rate, const CostInput& in) {
  if (rate.model == "legacy") return in.method == "GET" ? kUnit : 10 * kUnit;
  const bool write = in.method == "POST" || in.method == "PUT" || in.method == "DELETE";
  // The Sale page's "Request Cost" (2 drips for a write) is the base cost, in place of the 1
  // every other request pays, not on top of it; "completed": true adds 3.
  const bool sale_write = write && in.entity == "Sale";
  int64_t cost = sale_write ? 2 * kUnit : in.count ? 10 * kUnit : kUnit;
  if (sale_write && SetsCompleted(in.body)) cost += 3 * kUnit;
  if (write && in.body) cost += NestedEntityCount(*in.body) * kUnit / 2;
  const int64_t rel = in.to_one_relations * kUnit / 10 + in.to_many_relations * kUnit / 5;
  cost += in.is_list ? 2 * rel : rel;
  cost += in.or_drips * kUnit;
  return cost;
}

Admission Admit(const RateConfig& rate, Bucket* b, Stats* stats, int64_t now_us,
                int64_t cost_micro) {
  Admission a;
  if (rate.model == "off") return a;
  if (b->last_us != 0 && now_us > b->last_us) {
    const __int128 drained = static_cast<__int128>(rate.drip_micro) * (now_us - b->last_us) / kUnit;
    b->level_micro = drained >= b->level_micro ? 0 : b->level_micro - static_cast<int64_t>(drained);
  }
  if (now_us > b->last_us || b->last_us == 0) b->last_us = now_us;
  const int64_t window = now_us >= 0 ? now_us / kUnit : (now_us - kUnit + 1) / kUnit;
  if (window != b->window_s) {
    b->window_s = window;
    b->window_count = 0;
  }
  if (b->window_count >= rate.burst_limit) {
    a.allowed = false;
    a.limit_type = "api-burst-limiter";
    a.retry_after_s = 1;
  } else if (b->level_micro >= rate.size_micro) {
    ++b->window_count;
    a.allowed = false;
    a.limit_type = "api-leaky-bucket";
    a.retry_after_s =
        (b->level_micro - rate.size_micro) / std::max<int64_t>(rate.drip_micro, 1) + 1;
  } else {
    ++b->window_count;
    b->level_micro += cost_micro;
    stats->peak_micro = std::max(stats->peak_micro, b->level_micro);
  }
  if (!a.allowed) ++stats->rate_limited;
  return a;
}

std::string FormatUnits(int64_t micro) { return FormatFixed(DivRoundHalfAway(micro, 10000), 2, 0); }

std::vector<std::pair<std::string, std::string>> RateHeaders(const RateConfig& rate,
                                                             const Bucket& b, int64_t cost_micro) {
  // Under `off` there is no bucket to report: a "0/20" burst header would have clients pace to
  // a limit the emulator does not enforce.
  if (rate.model == "off") return {};
  return {
      {"X-LS-API-Bucket-Level", FormatUnits(b.level_micro) + "/" + FormatUnits(rate.size_micro)},
      {"X-LS-API-Drip-Rate", FormatUnits(rate.drip_micro)},
      {"X-LS-API-Request-Cost", FormatUnits(cost_micro)},
      {"X-LS-API-Burst-Level",
       std::to_string(b.window_count) + "/" + std::to_string(rate.burst_limit)},
  };
}

}  // namespace sim
