// The per-account leaky bucket, the burst limiter and the cost of a request (2026 and legacy).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/json_util.h"
#include "sim/state.h"

namespace sim {

struct CostInput {
  std::string method;          // "GET", "POST", "PUT", "DELETE"
  std::string entity;          // "Sale"
  bool is_list = false;        // GET without an id
  const Json* body = nullptr;  // the parsed POST/PUT body, if any
  int to_one_relations = 0;    // load_relations counted by kind
  int to_many_relations = 0;
  bool count = false;  // count=1
  // What or= adds (OrCostDrips).
  int or_drips = 0;
};

// The extra cost of one or= value ("a=x|b=>,5"), by the 2026.03.17 changelog: operands all on
// one field add nothing; fields of one entity with at most one range operator add 1 per operand;
// several entities (dot paths) or range operators add 10 per entity plus 1 per further operand
// on that entity.
int OrCostDrips(const std::string& or_value);

// Cost in micro-units. `off` reports the 2026 cost (nothing is charged).
int64_t RequestCostMicro(const RateConfig& rate, const CostInput& in);

// Related entities nested in a POST/PUT body (each SaleLine, SalePayment, Contact, Note, ...).
int NestedEntityCount(const Json& body);

struct Admission {
  bool allowed = true;
  std::string limit_type;  // "api-leaky-bucket" | "api-burst-limiter" when refused
  int64_t retry_after_s = 0;
};

// Drains the bucket to `now_us`, checks the burst window and the level, and charges `cost` when
// served. The request that first overflows is served; while the level is at or above the size,
// requests are refused. Retry-After is the whole seconds after which the level is below the size.
Admission Admit(const RateConfig& rate, Bucket* bucket, Stats* stats, int64_t now_us,
                int64_t cost_micro);

// The X-LS-API-* headers for an answer; none under the `off` model.
std::vector<std::pair<std::string, std::string>> RateHeaders(const RateConfig& rate,
                                                             const Bucket& bucket,
                                                             int64_t cost_micro);

std::string FormatUnits(int64_t micro);  // 37460000 -> "37.46"

}  // namespace sim
