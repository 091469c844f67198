// Sale rules: nested creation, line and sale tax arithmetic, the balance rule, stock movement.
// Money is integer cents; line taxes are kept exactly at 1e-10 dollars (cents x rate at 1e-8).
#include "sim/decimal.h"
#include "sim/model.h"

namespace sim {
namespace {

constexpr int64_t kRateScale = 100000000;  // rates are fixed point at 1e-8

base::Error Bad(const std::string& field, const std::string& message) {
  return BadArgument(field, message);
}

std::string Text(const Json& o, const std::string& k) { return FieldText(o, k); }

int64_t Cents(const Json& o, const std::string& k) { return ParseFixed(Text(o, k), 2).value_or(0); }
std::string Money(__int128 cents) { return FormatFixed(cents, 2, 2); }
bool IsTrue(const Json& o, const std::string& k) { return Text(o, k) == "true"; }

base::Status CheckRef(const Account& acct, const Json& row, const std::string& field,
                      const std::string& entity, bool required) {
  const int64_t id = IdOf(row, field);
  if (id == 0 && !required) return base::OkStatus();
  if (id <= 0 || !FindRow(acct, entity, id))
    return Bad(field,
               field + " must name an existing " + entity + " (got \"" + Text(row, field) + "\")");
  return base::OkStatus();
}

// Builds or updates one line from a request line.
base::Status ApplyLine(Ctx ctx, const Json& sale, const Json& in, Json* line, bool is_new) {
  Account& acct = *ctx.acct;
  const EntitySpec& spec = NestedSpec("SaleLine");
  if (auto st =
          ApplyScalars(spec, in, line,
                       {"saleID", "createTime", "timeStamp", "calcTotal", "calcSubtotal",
                        "calcTax1", "calcTax2", "calcLineDiscount", "noteID", "displayableSubtotal",
                        "displayableUnitPrice", "tax1Rate", "tax2Rate"});
      !st.ok())
    return st;
  const int64_t item_id = IdOf(*line, "itemID");
  const Json* item = item_id ? FindRow(acct, "Item", item_id) : nullptr;
  if (item_id && !item) return Bad("itemID", "itemID " + std::to_string(item_id) + " not found");
  if (is_new) {
    if (!in.contains("unitPrice")) {
      if (!item) return Bad("unitPrice", "A line without an item needs a unitPrice");
      (*line)["unitPrice"] = Money(DefaultPriceCents(*item));
    }
    if (!in.contains("tax")) (*line)["tax"] = item ? Text(*item, "tax") : "true";
    // The item's tax class picks the rates inside the sale's tax category (TaxCategoryClasses).
    if (!in.contains("taxClassID")) (*line)["taxClassID"] = item ? Text(*item, "taxClassID") : "0";
    (*line)["normalUnitPrice"] =
        item ? Json(Money(DefaultPriceCents(*item))) : (*line)["unitPrice"];
    (*line)["createTime"] = FormatTimeUs(ctx.now_us);
    for (const char* k : {"shopID", "employeeID", "customerID", "taxCategoryID"})
      if (IdOf(*line, k) == 0) (*line)[k] = Text(sale, k);
  }
  if (auto it = in.find("Note"); it != in.end() && it->is_object()) {
    Json note = line->contains("Note") ? (*line)["Note"] : DefaultRow(NestedSpec("Note"));
    if (!line->contains("Note")) note["noteID"] = std::to_string(NextId(acct, "Note"));
    if (auto st = ApplyScalars(NestedSpec("Note"), *it, &note, {"timeStamp"}); !st.ok()) return st;
    note["timeStamp"] = FormatTimeUs(ctx.now_us);
    (*line)["noteID"] = note["noteID"];
    (*line)["Note"] = std::move(note);
  }
  (*line)["timeStamp"] = FormatTimeUs(ctx.now_us);
  return base::OkStatus();
}

base::Status ApplyLines(Ctx ctx, const Json& body, Json* sale) {
  std::vector<Json> given;
  if (!ReadWrapped(body, "SaleLines", "SaleLine", &given))
    return Bad("SaleLines", "SaleLines must look like {\"SaleLine\": [...]}");
  Json& lines = (*sale)["SaleLines"];
  for (const auto& in : given) {
    if (!in.is_object()) return Bad("SaleLines", "A SaleLine must be an object");
    const int64_t id = ParseFixed(Text(in, "saleLineID"), 0).value_or(0);
    if (id > 0) {
      Json* target = nullptr;
      for (auto& l : lines)
        if (IdOf(l, "saleLineID") == id) target = &l;
      if (!target)
        return Bad("saleLineID", "saleLineID " + std::to_string(id) + " not in this sale");
      if (auto st = ApplyLine(ctx, *sale, in, target, false); !st.ok()) return st;
    } else {
      Json line = DefaultRow(NestedSpec("SaleLine"));
      if (auto st = ApplyLine(ctx, *sale, in, &line, true); !st.ok()) return st;
      line["saleLineID"] = std::to_string(NextId(*ctx.acct, "SaleLine"));
      line["saleID"] = (*sale)["saleID"];
      lines.push_back(std::move(line));
    }
  }
  return base::OkStatus();
}

base::Status ApplyPayments(Ctx ctx, const Json& body, Json* sale) {
  std::vector<Json> given;
  if (!ReadWrapped(body, "SalePayments", "SalePayment", &given))
    return Bad("SalePayments", "SalePayments must look like {\"SalePayment\": [...]}");
  Json& pays = (*sale)["SalePayments"];
  const EntitySpec& spec = NestedSpec("SalePayment");
  for (const auto& in : given) {
    const int64_t id = ParseFixed(Text(in, "salePaymentID"), 0).value_or(0);
    Json fresh = DefaultRow(spec);
    Json* target = &fresh;
    if (id > 0) {
      target = nullptr;
      for (auto& p : pays)
        if (IdOf(p, "salePaymentID") == id) target = &p;
      if (!target) return Bad("salePaymentID", "salePaymentID not in this sale");
    }
    if (auto st = ApplyScalars(spec, in, target, {"saleID", "createTime"}); !st.ok()) return st;
    if (auto st = CheckRef(*ctx.acct, *target, "paymentTypeID", "PaymentType", true); !st.ok())
      return st;
    if (id <= 0) {
      fresh["salePaymentID"] = std::to_string(NextId(*ctx.acct, "SalePayment"));
      fresh["saleID"] = (*sale)["saleID"];
      fresh["createTime"] = FormatTimeUs(ctx.now_us);
      for (const char* k : {"employeeID", "registerID"})
        if (IdOf(fresh, k) == 0) fresh[k] = (*sale)[k];
      pays.push_back(std::move(fresh));
    }
  }
  return base::OkStatus();
}

base::Status ApplyNotes(Ctx ctx, const Json& body, Json* sale) {
  auto it = body.find("SaleNotes");
  if (it == body.end() || !it->is_object()) return base::OkStatus();
  auto in = it->find("InternalNote");
  if (in == it->end() || !in->is_object()) return base::OkStatus();
  Json& notes = (*sale)["SaleNotes"];
  if (!notes.is_object()) notes = Json::object();
  Json note =
      notes.contains("InternalNote") ? notes["InternalNote"] : DefaultRow(NestedSpec("Note"));
  if (!notes.contains("InternalNote")) note["noteID"] = std::to_string(NextId(*ctx.acct, "Note"));
  if (auto st = ApplyScalars(NestedSpec("Note"), *in, &note, {"timeStamp"}); !st.ok()) return st;
  note["timeStamp"] = FormatTimeUs(ctx.now_us);
  notes["InternalNote"] = std::move(note);
  return base::OkStatus();
}

struct Rates {
  int64_t r1 = 0, r2 = 0;
};

// A line's rates: its tax class's rates in the category when the category has them
// (TaxCategoryClasses), else the category's own.
Rates LineRates(const Json* category, int64_t tax_class) {
  if (!category) return {};
  const Json* from = category;
  if (auto it = category->find("TaxCategoryClasses"); it != category->end() && it->is_array())
    for (const auto& c : *it)
      if (IdOf(c, "taxClassID") == tax_class) from = &c;
  return {ParseFixed(Text(*from, "tax1Rate"), 8).value_or(0),
          ParseFixed(Text(*from, "tax2Rate"), 8).value_or(0)};
}

// Recomputes line and sale totals. Line taxes stay unrounded; the sale's calcTax1/2 are their sums
// rounded half away from zero to the cent. In a tax-inclusive category the prices already hold
// the tax: each line's tax is taken out of its amount (amount × rate / (1 + both rates)) and the
// total is the lines' amounts.
void Recompute(const Account& acct, Json* sale) {
  const Json* cat = FindRow(acct, "TaxCategory", IdOf(*sale, "taxCategoryID"));
  const bool inclusive = cat && Text(*cat, "isTaxInclusive") == "true";
  const Rates sale_rates = LineRates(cat, 0);
  (*sale)["tax1Rate"] = FormatFixed(sale_rates.r1, 8, 0);
  (*sale)["tax2Rate"] = FormatFixed(sale_rates.r2, 8, 0);
  (*sale)["isTaxInclusive"] = inclusive ? "true" : "false";
  __int128 subtotal = 0, discount = 0, taxable = 0, nontaxable = 0, tax1 = 0, tax2 = 0;
  for (auto& l : (*sale)["SaleLines"]) {
    const __int128 gross = static_cast<__int128>(IdOf(l, "unitQuantity")) * Cents(l, "unitPrice");
    const int64_t disc = Cents(l, "discountAmount");
    const __int128 amount = gross - disc;
    const Rates r = LineRates(cat, IdOf(l, "taxClassID"));
    const bool taxed = IsTrue(l, "tax") && (r.r1 != 0 || r.r2 != 0);
    __int128 t1 = 0, t2 = 0;  // 1e-10 dollars
    if (taxed && inclusive) {
      const __int128 divisor = static_cast<__int128>(kRateScale) + r.r1 + r.r2;
      t1 = DivRoundHalfAway(amount * r.r1 * kRateScale, divisor);
      t2 = DivRoundHalfAway(amount * r.r2 * kRateScale, divisor);
    } else if (taxed) {
      t1 = amount * r.r1;
      t2 = amount * r.r2;
    }
    subtotal += gross;
    discount += disc;
    (taxed ? taxable : nontaxable) += amount;
    tax1 += t1;
    tax2 += t2;
    l["calcSubtotal"] = Money(gross);
    l["calcLineDiscount"] = Money(disc);
    l["displayableSubtotal"] = Money(amount);
    l["displayableUnitPrice"] = l["unitPrice"];
    l["calcTax1"] = FormatFixed(t1, 10, 2);
    l["calcTax2"] = FormatFixed(t2, 10, 2);
    l["calcTotal"] = FormatFixed(amount * kRateScale + (inclusive ? 0 : t1 + t2), 10, 2);
    l["tax1Rate"] = FormatFixed(taxed ? r.r1 : 0, 8, 0);
    l["tax2Rate"] = FormatFixed(taxed ? r.r2 : 0, 8, 0);
  }
  const __int128 c1 = DivRoundHalfAway(tax1, kRateScale), c2 = DivRoundHalfAway(tax2, kRateScale);
  const __int128 total = subtotal - discount + (inclusive ? 0 : c1 + c2);
  __int128 payments = 0;
  for (const auto& p : (*sale)["SalePayments"])
    if (Text(p, "archived") != "true") payments += Cents(p, "amount");
  const __int128 change = ParseFixed(Text(*sale, "change"), 2).value_or(0);
  (*sale)["calcSubtotal"] = Money(subtotal);
  (*sale)["displayableSubtotal"] = Money(subtotal - discount);
  (*sale)["calcDiscount"] = Money(discount);
  (*sale)["calcTaxable"] = Money(taxable);
  (*sale)["calcNonTaxable"] = Money(nontaxable);
  (*sale)["calcTax1"] = Money(c1);
  (*sale)["calcTax2"] = Money(c2);
  for (const char* k : {"calcTotal", "total", "totalDue", "displayableTotal"})
    (*sale)[k] = Money(total);
  (*sale)["calcPayments"] = Money(payments);
  (*sale)["balance"] = Money(total - payments + change);
}

// The balance rule: exact payment, or a cash overpayment kept as change.
base::Status Complete(Ctx ctx, Json* sale) {
  (*sale)["change"] = "0.00";
  Recompute(*ctx.acct, sale);
  const int64_t balance = Cents(*sale, "balance");
  int64_t cash = 0;
  for (const auto& p : (*sale)["SalePayments"]) {
    const Json* type = FindRow(*ctx.acct, "PaymentType", IdOf(p, "paymentTypeID"));
    if (type && Text(*type, "type") == "cash") cash += Cents(p, "amount");
  }
  if (balance > 0 || (balance < 0 && -balance > cash)) {
    return base::Invalid("balance",
                         "Cannot complete an out of balance sale. Total " + Text(*sale, "total") +
                             ", payments " + Text(*sale, "calcPayments") + ", balance " +
                             Text(*sale, "balance") + " (only cash may be overpaid, as change).",
                         "OutOfBalanceError");
  }
  (*sale)["change"] = Money(-balance);
  Recompute(*ctx.acct, sale);
  (*sale)["completed"] = "true";
  (*sale)["completeTime"] = FormatTimeUs(ctx.now_us);
  return base::OkStatus();
}

// Moves stock for every inventory line: -1 per unit on completion, +1 on reopening.
void MoveStock(Ctx ctx, const Json& sale, int64_t sign) {
  const int64_t shop = IdOf(sale, "shopID");
  for (const auto& l : sale["SaleLines"]) {
    Json* item = FindRow(*ctx.acct, "Item", IdOf(l, "itemID"));
    if (!item || Text(*item, "itemType") == "non_inventory") continue;
    const int64_t delta = -sign * IdOf(l, "unitQuantity");
    AdjustStock(item, shop, delta, ctx);
    if (shop != 0) AdjustStock(item, 0, delta, ctx);
  }
}

base::Status CheckHeader(const Account& acct, const Json& sale) {
  if (auto st = CheckRef(acct, sale, "shopID", "Shop", true); !st.ok()) return st;
  if (auto st = CheckRef(acct, sale, "registerID", "Register", true); !st.ok()) return st;
  if (auto st = CheckRef(acct, sale, "employeeID", "Employee", true); !st.ok()) return st;
  // A register belongs to one shop; an employee may be limited to one shop, or locked out.
  const std::string shop = Text(sale, "shopID");
  const Json& reg = *FindRow(acct, "Register", IdOf(sale, "registerID"));
  if (Text(reg, "shopID") != shop)
    return Bad("registerID", "Register " + Text(reg, "registerID") + " belongs to shop " +
                                 Text(reg, "shopID") + ", not to shop " + shop);
  const Json& emp = *FindRow(acct, "Employee", IdOf(sale, "employeeID"));
  if (IsTrue(emp, "lockOut"))
    return Bad("employeeID", "Employee " + Text(emp, "employeeID") + " is locked out");
  if (IdOf(emp, "limitToShopID") != 0 && Text(emp, "limitToShopID") != shop)
    return Bad("employeeID", "Employee " + Text(emp, "employeeID") + " is limited to shop " +
                                 Text(emp, "limitToShopID") + " and cannot sell at shop " + shop);
  if (auto st = CheckRef(acct, sale, "customerID", "Customer", false); !st.ok()) return st;
  return CheckRef(acct, sale, "taxCategoryID", "TaxCategory", false);
}

const std::vector<std::string> kOwned = {
    "createTime",  "timeStamp",        "updateTime",          "completeTime",
    "completed",   "change",           "ticketNumber",        "tax1Rate",
    "tax2Rate",    "calcDiscount",     "calcTotal",           "calcSubtotal",
    "calcTaxable", "calcNonTaxable",   "calcAvgCost",         "calcFIFOCost",
    "calcTax1",    "calcTax2",         "calcPayments",        "total",
    "totalDue",    "displayableTotal", "displayableSubtotal", "balance"};

// Counters a failed write must give back, so a refused sale leaves no trace.
struct Counters {
  explicit Counters(Account& a) : acct(a) {
    for (const char* k : {"Sale", "SaleLine", "SalePayment", "Note"})
      saved.push_back(acct.tables[k].next_id);
  }
  void Restore() {
    int i = 0;
    for (const char* k : {"Sale", "SaleLine", "SalePayment", "Note"})
      acct.tables[k].next_id = saved[i++];
  }
  Account& acct;
  std::vector<int64_t> saved;
};

}  // namespace

base::Result<int64_t> CreateSale(Ctx ctx, const Json& body) {
  Account& acct = *ctx.acct;
  Counters counters(acct);
  Json sale = DefaultRow(*FindEntity("Sale"));
  if (auto st = ApplyScalars(*FindEntity("Sale"), body, &sale, kOwned); !st.ok()) return st.error();
  if (auto st = CheckHeader(acct, sale); !st.ok()) return st.error();
  if (!body.contains("taxCategoryID")) {
    // A customer's own sales tax (e.g. tax exempt) applies to their sales, else the shop's.
    const Json* customer = FindRow(acct, "Customer", IdOf(sale, "customerID"));
    const Json* shop = FindRow(acct, "Shop", IdOf(sale, "shopID"));
    sale["taxCategoryID"] = customer && IdOf(*customer, "taxCategoryID") != 0
                                ? Text(*customer, "taxCategoryID")
                                : Text(*shop, "taxCategoryID");
  }
  const int64_t id = NextId(acct, "Sale");
  const std::string now = FormatTimeUs(ctx.now_us);
  sale["saleID"] = std::to_string(id);
  sale["createTime"] = sale["timeStamp"] = sale["updateTime"] = now;
  std::string ticket = std::to_string(id);
  sale["ticketNumber"] =
      "22" + std::string(ticket.size() < 10 ? 10 - ticket.size() : 0, '0') + ticket;
  sale["SaleLines"] = Json::array();
  sale["SalePayments"] = Json::array();
  base::Status st = ApplyLines(ctx, body, &sale);
  if (st.ok()) st = ApplyPayments(ctx, body, &sale);
  if (st.ok()) st = ApplyNotes(ctx, body, &sale);
  if (st.ok()) Recompute(acct, &sale);
  const auto completed = body.contains("completed") ? ScalarText(body["completed"]) : std::nullopt;
  if (st.ok() && completed && (*completed == "true" || *completed == "1")) {
    st = Complete(ctx, &sale);
    if (!st.ok() && st.error().reason == "OutOfBalanceError" &&
        acct.failed_completion == "open_sale") {
      // Our model of Lightspeed keeping a sale whose completion failed: open, lines and payments
      // kept, no stock moved; the caller names it in the 400.
      acct.tables["Sale"].rows[id] = std::move(sale);
      if (ctx.open_sale_id) *ctx.open_sale_id = id;
      return st.error();
    }
  }
  if (!st.ok()) {
    counters.Restore();
    return st.error();
  }
  if (IsTrue(sale, "completed")) MoveStock(ctx, sale, +1);
  acct.tables["Sale"].rows[id] = std::move(sale);
  return id;
}

base::Status UpdateSale(Ctx ctx, int64_t id, const Json& body) {
  Account& acct = *ctx.acct;
  Json* existing = FindRow(acct, "Sale", id);
  if (!existing) return base::NotFound("Sale " + std::to_string(id) + " not found");
  Counters counters(acct);
  Json sale = *existing;
  const bool was_completed = IsTrue(sale, "completed");
  const auto completed_text =
      body.contains("completed") ? ScalarText(body["completed"]) : std::nullopt;
  const bool complete = completed_text && (*completed_text == "true" || *completed_text == "1");
  const bool reopen = completed_text && (*completed_text == "false" || *completed_text == "0");
  const bool touches_lines = body.contains("SaleLines") || body.contains("SalePayments");
  if (was_completed && !reopen && touches_lines)
    return base::Invalid("completed", "A completed sale cannot be changed; reopen it first",
                         "InvalidArgumentException");
  if (auto st = ApplyScalars(*FindEntity("Sale"), body, &sale, kOwned); !st.ok()) return st;
  if (auto st = CheckHeader(acct, sale); !st.ok()) return st;
  if (was_completed && reopen) {
    sale["completed"] = "false";
    sale["completeTime"] = "";
    sale["change"] = "0.00";
  }
  base::Status st = ApplyLines(ctx, body, &sale);
  if (st.ok()) st = ApplyPayments(ctx, body, &sale);
  if (st.ok()) st = ApplyNotes(ctx, body, &sale);
  if (st.ok()) Recompute(acct, &sale);
  if (st.ok() && complete && !was_completed) st = Complete(ctx, &sale);
  if (!st.ok()) {
    counters.Restore();
    return st;
  }
  sale["timeStamp"] = sale["updateTime"] = FormatTimeUs(ctx.now_us);
  if (was_completed && reopen) MoveStock(ctx, *existing, -1);
  if (!was_completed && IsTrue(sale, "completed")) MoveStock(ctx, sale, +1);
  *existing = std::move(sale);
  return base::OkStatus();
}

base::Status DeleteSale(Ctx ctx, int64_t id) {
  Json* sale = FindRow(*ctx.acct, "Sale", id);
  if (!sale) return base::NotFound("Sale " + std::to_string(id) + " not found");
  if (IsTrue(*sale, "completed"))
    return base::Invalid("saleID", "Cannot delete a completed sale; reopen it first",
                         "InvalidArgumentException");
  (*sale)["archived"] = "true";
  (*sale)["timeStamp"] = FormatTimeUs(ctx.now_us);
  return base::OkStatus();
}

base::Status VoidSale(Ctx ctx, int64_t id) {
  Json* sale = FindRow(*ctx.acct, "Sale", id);
  if (!sale) return base::NotFound("Sale " + std::to_string(id) + " not found");
  if (!IsTrue(*sale, "completed"))
    return base::Invalid("saleID", "Only a completed sale can be voided",
                         "InvalidArgumentException");
  if (IsTrue(*sale, "voided")) return base::OkStatus();
  MoveStock(ctx, *sale, -1);
  (*sale)["voided"] = "true";
  (*sale)["timeStamp"] = (*sale)["updateTime"] = FormatTimeUs(ctx.now_us);
  return base::OkStatus();
}

}  // namespace sim
