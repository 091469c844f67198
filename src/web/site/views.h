// Pieces of HTML that several pages show the same way: the balance (R2), the export state (R1),
// order status names.
#pragma once

#include <map>
#include <string>

#include "shop/eligibility.h"
#include "store/store.h"

namespace web::site {

// "Paid in Full" in green, "Unbalanced: $12.50 due" in orange; an exported order refunded
// afterwards reads "Refunded $25.00 after export: refund it in Lightspeed too" (R24) instead,
// or "… sent to Lightspeed" when spoke sends all those refunds (`sent`: by refund id, issue 15).
std::string BalanceHtml(const store::OrderRecord& r, const shop::Balance& b,
                        const std::map<std::string, store::RefundExport>& sent = {});
// A refund's Lightspeed state: sent as sale #…, queued, sending, or needs attention with why.
std::string RefundStateHtml(const store::RefundExport& x, std::string_view time_zone);
// The export column when there is no box to tick: export date and sale id, in flight, needs
// attention, or the reason it can't be exported. Empty when the order can be exported.
std::string ExportStateHtml(const store::ExportRecord& e, const shop::Eligibility& why,
                            std::string_view time_zone);
// "Open", "Processing", …
std::string StatusLabel(shop::OrderStatus s);
// <option>s for every order status, `selected` chosen.
std::string StatusOptions(shop::OrderStatus selected);
// Whether the order's export is under way (the page then reloads itself to show the result).
bool InFlight(const store::ExportRecord& e);

}  // namespace web::site
