// Planning a refund sale (issue 15): pure. A refund recorded after export becomes a completed
// Lightspeed sale that gives the money back: the units the refund names as negative quantities of
// the items the original sale sold (so their stock comes back), the rest of the amount (tax,
// shipping, a partial amount, lines sold as misc charges) as one negative misc line, and the
// refund's payment type paying out the whole amount. No tax is computed on it (taxCategoryID 0):
// the refund's amount is what the web store gave back, tax included.
#pragma once

#include <optional>
#include <string>

#include "exporter/plan.h"
#include "lightspeed/entities.h"
#include "shop/order.h"
#include "store/store.h"

namespace exporter {

using store::RefundReference;

struct RefundSalePlan {
  std::optional<lightspeed::NewSale> sale;
  std::string payment_type_name;  // the Lightspeed type the refund pays out with (R12's mapping)
  std::string problem;            // why it cannot be sent, in plain words (the merchant must act)
};

// `links` gives the items the original sale sold and the payment types; `sale_id` is the
// original sale's id (named in the refund sale's note).
RefundSalePlan PlanRefund(const shop::Order& order, const shop::Refund& refund,
                          const std::string& sale_id, const store::LightspeedSettings& settings,
                          const Links& links);

}  // namespace exporter
