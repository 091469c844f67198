// R20 after an attempt that may have reached Lightspeed: what to do with the sales Lightspeed
// already holds under the order's reference. Pure; private to exporter/.
//
// The rule (docs/architecture.md, "Exactly once"):
// - voided and archived sales are ignored;
// - a completed sale whose total is the plan's total is the order's sale: adopt it (the lowest
//   id of several), and archive any open sale of ours beside it;
// - an open sale whose total is the plan's total and whose balance is zero was saved but not
//   completed: complete it and adopt it;
// - any other open sale of ours (a failed completion leaves one, unpaid) is archived and a fresh
//   sale is sent: an order is never marked exported against an unpaid sale;
// - a completed sale with another total, or one the plan cannot be compared with (the plan is
//   held), is neither adopted nor duplicated: the order stops for the merchant, naming both.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/money.h"
#include "lightspeed/entities.h"

namespace exporter {

struct ExistingSales {
  enum class Action { kSend, kAdopt, kCompleteAndAdopt, kStop };
  Action action = Action::kSend;
  std::string sale_id;               // kAdopt, kCompleteAndAdopt
  std::vector<std::string> archive;  // open sales of ours to archive first
  std::string reason;                // kStop, in plain words
};

// `expected_total`: what the planned sale totals in Lightspeed; nullopt when it cannot be known.
ExistingSales DecideExistingSales(const std::vector<lightspeed::Sale>& sales,
                                  std::optional<base::Money> expected_total);

// Lightspeed's decimal text ("999.24", "-3.5", "0") as exact cents; nullopt for anything else,
// including more than two non-zero decimals.
std::optional<base::Money> ParseLightspeedAmount(const std::string& text);

}  // namespace exporter
