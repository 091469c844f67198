// Reconciliation's pure core (issue 15): the sales spoke recorded versus the sales Lightspeed
// holds, for a window, as a list of differences. Read-only: nothing here changes either side.
//
// The caller reads both sides with a margin around the window (an export is recorded a moment
// after its sale's completeTime, so at an edge one side can fall just outside while the other is
// inside) and this reports only what lies inside [from, to): an expected sale by when its export
// was recorded, an unknown Lightspeed sale by its completeTime.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "lightspeed/entities.h"
#include "store/reconcile.h"

namespace exporter {

enum class ReconcileKind {
  kSaleMissing,   // exported, but Lightspeed has no sale with the reference
  kSaleVoided,    // the sale is voided or archived in Lightspeed
  kTotalDiffers,  // the sale's total is not what spoke sent
  kUnknownSale,   // a sale with spoke's reference source that no export knows
};
const char* Name(ReconcileKind kind);  // "sale_missing" | "sale_voided" | …

// How far beyond the window both sides are read.
constexpr base::Duration kReconcileMargin = std::chrono::minutes(10);

struct ReconcileInput {
  base::TimePoint from, to;                   // the window reported on, [from, to)
  std::vector<store::ExpectedSale> expected;  // recorded within the window and its margin
  std::vector<lightspeed::Sale> listed;       // completed within the window and its margin
  // The sales found by reference (archived too) for MissingCandidates.
  std::vector<lightspeed::Sale> searched;
  // What the store recorded, whenever, for UnknownCandidates.
  std::vector<store::ExpectedSale> known;
};

// The references of expected sales inside the window that the listing does not hold: search
// them (archived included) before calling any missing.
std::vector<std::string> MissingCandidates(const ReconcileInput& in);
// The listed sales inside the window that no expected sale names, by reference and sale id: ask
// the store about them (recorded outside the margin, e.g. an export retried for days).
struct UnknownCandidates {
  std::vector<std::string> references, sale_ids;
};
UnknownCandidates FindUnknownCandidates(const ReconcileInput& in);

// Every difference inside the window: expected sales in the order recorded, then unknown sales
// by completeTime.
std::vector<store::ReconcileDifference> Compare(const ReconcileInput& in);

}  // namespace exporter
