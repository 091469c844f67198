#include "exporter/reconcile.h"

#include <algorithm>
#include <map>
#include <set>

#include "exporter/existing_sale.h"

namespace exporter {
namespace {

bool Inside(base::TimePoint t, const ReconcileInput& in) { return t >= in.from && t < in.to; }

// A listed sale's completeTime inside the window; one Lightspeed wrote unreadably counts as
// inside (reported rather than hidden).
bool CompletedInside(const lightspeed::Sale& s, const ReconcileInput& in) {
  auto t = base::ParseTime(s.complete_time, "completeTime");
  return !t.ok() || Inside(*t, in);
}

// Lightspeed's sales by id and by reference, listed and searched together.
struct SaleIndex {
  explicit SaleIndex(const ReconcileInput& in) {
    for (const auto* list : {&in.listed, &in.searched})
      for (const auto& s : *list) {
        if (!by_id.emplace(s.id, &s).second) continue;
        by_reference[s.reference_number].push_back(&s);
      }
  }
  // The sale spoke recorded, else one with its reference (a live one first).
  const lightspeed::Sale* For(const store::ExpectedSale& e) const {
    if (auto it = by_id.find(e.sale_id); it != by_id.end()) return it->second;
    auto it = by_reference.find(e.reference);
    if (it == by_reference.end()) return nullptr;
    for (const auto* s : it->second)
      if (!s->archived && !s->voided) return s;
    return it->second.front();
  }
  std::map<std::string, const lightspeed::Sale*> by_id;
  std::map<std::string, std::vector<const lightspeed::Sale*>> by_reference;
};

std::string OrderWords(const store::ExpectedSale& e) {
  return e.reference == e.order_number
             ? "Order " + e.order_number
             : "Order " + e.order_number + " (reference " + e.reference + ")";
}

}  // namespace

const char* Name(ReconcileKind kind) {
  switch (kind) {
    case ReconcileKind::kSaleMissing:
      return "sale_missing";
    case ReconcileKind::kSaleVoided:
      return "sale_voided";
    case ReconcileKind::kTotalDiffers:
      return "total_differs";
    case ReconcileKind::kUnknownSale:
      return "unknown_sale";
  }
  return "unknown_sale";
}

std::vector<std::string> MissingCandidates(const ReconcileInput& in) {
  const SaleIndex index(in);
  std::vector<std::string> out;
  for (const auto& e : in.expected)
    if (Inside(e.exported_at, in) && !index.For(e) &&
        std::find(out.begin(), out.end(), e.reference) == out.end())
      out.push_back(e.reference);
  return out;
}

UnknownCandidates FindUnknownCandidates(const ReconcileInput& in) {
  std::set<std::string> ids, references;
  for (const auto& e : in.expected) {
    ids.insert(e.sale_id);
    references.insert(e.reference);
  }
  UnknownCandidates out;
  for (const auto& s : in.listed) {
    if (!CompletedInside(s, in) || ids.count(s.id)) continue;
    out.sale_ids.push_back(s.id);
    if (!references.count(s.reference_number) &&
        std::find(out.references.begin(), out.references.end(), s.reference_number) ==
            out.references.end())
      out.references.push_back(s.reference_number);
  }
  return out;
}

std::vector<store::ReconcileDifference> Compare(const ReconcileInput& in) {
  const SaleIndex index(in);
  std::vector<store::ReconcileDifference> out;
  std::set<std::string> accounted;  // Lightspeed sale ids an expected sale stands for
  for (const auto& e : in.expected) {
    const lightspeed::Sale* s = index.For(e);
    if (s) accounted.insert(s->id);
    if (!Inside(e.exported_at, in)) continue;
    store::ReconcileDifference d{"",      e.order_number, e.reference, e.sale_id,
                                 e.total, std::nullopt,   ""};
    if (!s) {
      d.kind = Name(ReconcileKind::kSaleMissing);
      d.message = OrderWords(e) + " was exported as Lightspeed sale " + e.sale_id +
                  ", but Lightspeed has no sale with reference " + e.reference +
                  " (deleted, or its reference was changed there).";
      out.push_back(std::move(d));
      continue;
    }
    d.sale_id = s->id;
    d.lightspeed_total = ParseLightspeedAmount(s->total);
    if (s->voided || s->archived) {
      d.kind = Name(ReconcileKind::kSaleVoided);
      d.message = OrderWords(e) + "'s Lightspeed sale " + s->id + " was " +
                  (s->voided ? "voided" : "archived") +
                  " in Lightspeed; the order still counts as exported in spoke.";
      out.push_back(std::move(d));
      continue;
    }
    if (e.total && d.lightspeed_total && *e.total != *d.lightspeed_total) {
      d.kind = Name(ReconcileKind::kTotalDiffers);
      d.message = OrderWords(e) + " was sent with a total of " + e.total->Dollars() +
                  "; its Lightspeed sale " + s->id + " now totals " +
                  d.lightspeed_total->Dollars() + ".";
      out.push_back(std::move(d));
    }
  }
  // Unknown sales: recorded nowhere in the store (`known` covers exports outside the margin).
  std::map<std::string, const store::ExpectedSale*> known_ids, known_references;
  for (const auto* list : {&in.expected, &in.known})
    for (const auto& e : *list) {
      known_ids.emplace(e.sale_id, &e);
      known_references.emplace(e.reference, &e);
    }
  std::vector<const lightspeed::Sale*> unknown;
  for (const auto& s : in.listed)
    if (CompletedInside(s, in) && !accounted.count(s.id) && !known_ids.count(s.id))
      unknown.push_back(&s);
  std::stable_sort(unknown.begin(), unknown.end(), [](const auto* a, const auto* b) {
    return a->complete_time < b->complete_time;
  });
  for (const auto* s : unknown) {
    store::ReconcileDifference d{
        Name(ReconcileKind::kUnknownSale), "", s->reference_number, s->id, std::nullopt,
        ParseLightspeedAmount(s->total),   ""};
    const std::string state = s->voided ? " (voided)" : s->archived ? " (archived)" : "";
    if (auto k = known_references.find(s->reference_number); k != known_references.end()) {
      d.order = k->second->order_number;
      d.message = "Lightspeed sale " + s->id + state + " has reference " + s->reference_number +
                  ", but spoke exported order " + k->second->order_number + " as sale " +
                  k->second->sale_id + ": a second sale for the same order.";
    } else {
      d.message = "Lightspeed sale " + s->id + state + " has spoke's reference source and " +
                  "reference " + (s->reference_number.empty() ? "(none)" : s->reference_number) +
                  ", but no export made it (keyed in by hand?).";
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace exporter
