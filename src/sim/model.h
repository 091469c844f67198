// Entity operations on one account: rendering rows in wire form, reading fields for filters,
// and the create/update/delete rules of each entity (the Sale rules live in sale.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "sim/schema.h"
#include "sim/state.h"

namespace sim {

struct Ctx {
  Account* acct;
  int64_t now_us;
  int64_t* open_sale_id = nullptr;  // set to the sale a failed completion left open, if any
};

// Errors carry the Lightspeed errorClass in `reason` ("OutOfBalanceError", ...).
int64_t NextId(Account& acct, const std::string& counter);
Json* FindRow(Account& acct, const std::string& entity, int64_t id);
const Json* FindRow(const Account& acct, const std::string& entity, int64_t id);
int64_t IdOf(const Json& row, const std::string& field);  // 0 when absent or not a number
// Tokens act for the employee who approved the application: employee 1 (the account owner) in
// lsr-sim. Locked out, that employee's tokens stop working.
bool EmployeeLockedOut(const Account& acct);

// `relations` are load_relations names ("SaleLines", "SaleLines.Item").
Json RenderRow(const Account& acct, const EntitySpec& spec, const Json& row,
               const std::vector<std::string>& relations);
// The relations a write answer carries (the nested records the body could hold).
std::vector<std::string> WriteRelations(const EntitySpec& spec);

// A field's values in a row: one for plain fields, several for to-many dot paths
// ("SaleLines.itemID"), email addresses for "Contact.email", itemID/upc/ean for "itemCode".
std::vector<std::string> FieldValues(const Account& acct, const EntitySpec& spec, const Json& row,
                                     const std::string& field);

base::Result<int64_t> CreateEntity(Ctx ctx, const EntitySpec& spec, const Json& body);
base::Status UpdateEntity(Ctx ctx, const EntitySpec& spec, int64_t id, const Json& body);
base::Status DeleteEntity(Ctx ctx, const EntitySpec& spec, int64_t id);

// Sale rules (sale.cpp).
base::Result<int64_t> CreateSale(Ctx ctx, const Json& body);
base::Status UpdateSale(Ctx ctx, int64_t id, const Json& body);
base::Status DeleteSale(Ctx ctx, int64_t id);
// A merchant voids a completed sale at the register: `voided` becomes true and its stock comes
// back; the sale stays listed (archived stays false). kInvalidInput for an open sale.
base::Status VoidSale(Ctx ctx, int64_t id);

// Item and Serialized rules (item_rules.cpp); `self_id` is the row being updated, 0 on create;
// `changed` (updates) limits the checks to the fields the body sets.
char GtinCheckDigit(const std::string& digits);  // '\0' unless all digits
base::Status CheckItemRules(const Account& acct, const Json& row, int64_t self_id,
                            const Json* changed = nullptr);
base::Status CheckSerializedRules(const Account& acct, const Json& row, int64_t self_id,
                                  const Json* changed = nullptr);

// Item helpers shared with the seed: the Default price in cents and the ItemShop rows.
int64_t DefaultPriceCents(const Json& item);
void AdjustStock(Json* item, int64_t shop_id, int64_t delta, Ctx ctx);

}  // namespace sim
