#include "shop/order.h"

#include <array>
#include <utility>

namespace shop {
namespace {

template <typename E, size_t N>
bool Lookup(const std::array<std::pair<E, const char*>, N>& table, std::string_view s, E* out) {
  for (const auto& [value, name] : table) {
    if (s == name) {
      *out = value;
      return true;
    }
  }
  return false;
}

template <typename E, size_t N>
const char* NameOf(const std::array<std::pair<E, const char*>, N>& table, E v) {
  for (const auto& [value, name] : table)
    if (value == v) return name;
  return "?";
}

constexpr std::array<std::pair<ItemKind, const char*>, 3> kKinds{{
    {ItemKind::kInventory, "inventory"},
    {ItemKind::kGiftCard, "gift_card"},
    {ItemKind::kNonInventory, "non_inventory"},
}};
constexpr std::array<std::pair<ItemSource, const char*>, 3> kSources{{
    {ItemSource::kPosSync, "pos_sync"},
    {ItemSource::kSupplierSync, "supplier_sync"},
    {ItemSource::kSite, "site"},
}};
constexpr std::array<std::pair<OrderStatus, const char*>, 5> kStatuses{{
    {OrderStatus::kOpen, "open"},
    {OrderStatus::kProcessing, "processing"},
    {OrderStatus::kShipped, "shipped"},
    {OrderStatus::kCompleted, "completed"},
    {OrderStatus::kCancelled, "cancelled"},
}};
constexpr std::array<std::pair<PaymentStatus, const char*>, 4> kPaymentStatuses{{
    {PaymentStatus::kAuthorized, "authorized"},
    {PaymentStatus::kCaptured, "captured"},
    {PaymentStatus::kVoided, "voided"},
    {PaymentStatus::kFailed, "failed"},
}};
constexpr std::array<std::pair<ExportState, const char*>, 5> kExportStates{{
    {ExportState::kNotExported, "not_exported"},
    {ExportState::kQueued, "queued"},
    {ExportState::kExporting, "exporting"},
    {ExportState::kExported, "exported"},
    {ExportState::kNeedsAttention, "needs_attention"},
}};

}  // namespace

const char* Name(ItemKind v) { return NameOf(kKinds, v); }
const char* Name(ItemSource v) { return NameOf(kSources, v); }
const char* Name(OrderStatus v) { return NameOf(kStatuses, v); }
const char* Name(PaymentStatus v) { return NameOf(kPaymentStatuses, v); }
const char* Name(ExportState v) { return NameOf(kExportStates, v); }
bool Parse(std::string_view s, ItemKind* out) { return Lookup(kKinds, s, out); }
bool Parse(std::string_view s, ItemSource* out) { return Lookup(kSources, s, out); }
bool Parse(std::string_view s, OrderStatus* out) { return Lookup(kStatuses, s, out); }
bool Parse(std::string_view s, PaymentStatus* out) { return Lookup(kPaymentStatuses, s, out); }
bool Parse(std::string_view s, ExportState* out) { return Lookup(kExportStates, s, out); }

bool IsOpen(OrderStatus s) { return s != OrderStatus::kCompleted && s != OrderStatus::kCancelled; }
bool IsFulfilled(OrderStatus s) {
  return s == OrderStatus::kShipped || s == OrderStatus::kCompleted;
}

}  // namespace shop
