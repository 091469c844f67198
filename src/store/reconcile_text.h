// The stored text form of a kept reconciliation's differences, the same on every backend
// (private to store/).
#pragma once

#include <string>
#include <vector>

#include "store/reconcile.h"

namespace store::rules {

std::string DifferencesToText(const std::vector<ReconcileDifference>& differences);
// Unreadable text (never written by DifferencesToText) reads as no differences.
std::vector<ReconcileDifference> DifferencesFromText(const std::string& text);

// How many runs a store keeps.
constexpr int kKeptReconcileRuns = 50;

}  // namespace store::rules
