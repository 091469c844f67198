#include "sim/relations.h"

#include <algorithm>

#include "sim/model.h"

namespace sim {
namespace {

// From the "Additional Relations" list of each entity's page under
// developers.lightspeedhq.com/retail/endpoints/ (Sale, Customer, Item, Shop, TaxCategory,
// Employee; Register, Serialized and PaymentType list none). Sale's Shop, Register and Employee
// are not in that list; the Sales tutorial's answers carry Shop, so lsr-sim accepts all three.
constexpr DocumentedRelation kDocumented[] = {
    {"Sale", "SaleLines", true},
    {"Sale", "SaleLines.Discount", false},
    {"Sale", "SaleLines.TaxClass", false},
    {"Sale", "SaleLines.Note", false},
    {"Sale", "SaleLines.Item", false},
    {"Sale", "SaleLines.InventorySales", true},
    {"Sale", "SaleNotes", false},
    {"Sale", "SalePayments", true},
    {"Sale", "SalePayments.PaymentType", false},
    {"Sale", "SalePayments.CCCharge", false},
    {"Sale", "SalePayments.SaleAccounts", true},
    {"Sale", "SalePayments.Signatures", true},
    {"Sale", "ShipTo", false},
    {"Sale", "ShipTo.Contact", false},
    {"Sale", "Customer", false},
    {"Sale", "Customer.Contact", false},
    {"Sale", "Discount", false},
    {"Sale", "TaxCategory", false},
    {"Sale", "TaxCategory.TaxCategoryClasses", true},
    {"Sale", "Quote", false},
    {"Sale", "Shop", false},
    {"Sale", "Register", false},
    {"Sale", "Employee", false},
    {"Customer", "Contact", false},
    {"Customer", "CustomerType", false},
    {"Customer", "Discount", false},
    {"Customer", "Note", false},
    {"Customer", "TaxCategory", false},
    {"Customer", "CreditAccount", false},
    {"Customer", "Tags", true},
    {"Customer", "CustomFieldValues", true},
    {"Customer", "CustomFieldValues.value", false},
    {"Item", "Category", false},
    {"Item", "TaxClass", false},
    {"Item", "ItemAttributes", false},
    {"Item", "ItemAttributes.ItemAttributeSet", false},
    {"Item", "Manufacturer", false},
    {"Item", "Note", false},
    {"Item", "Images", true},
    {"Item", "ItemShops", true},
    {"Item", "ItemVendorNums", true},
    {"Item", "ItemComponents", true},
    {"Item", "ItemECommerce", false},
    {"Item", "TagRelations", true},
    {"Item", "TagRelations.Tag", false},
    {"Item", "CustomFieldValues", true},
    {"Item", "CustomFieldValues.value", false},
    {"Item", "ItemPrices", true},
    {"Shop", "Contact", false},
    {"Shop", "ReceiptSetup", false},
    {"Shop", "TaxCategory", false},
    {"Shop", "ShelfLocations", true},
    {"Shop", "Registers", true},
    {"Shop", "CCGateway", false},
    {"Shop", "PriceLevel", false},
    {"TaxCategory", "TaxCategoryClasses", true},
    {"TaxCategory", "TaxCategoryClasses.TaxClass", false},
    {"Employee", "Contact", false},
    {"Employee", "EmployeeRole", false},
    {"Employee", "EmployeeRole.EmployeeRights", true},
    {"Employee", "EmployeeRights", true},
};

// To-one relations behind a foreign key of the row: {relation, key field, entity}.
struct ForeignKey {
  std::string_view relation, field, entity;
};
constexpr ForeignKey kForeignKeys[] = {
    {"Customer", "customerID", "Customer"},
    {"TaxCategory", "taxCategoryID", "TaxCategory"},
    {"Shop", "shopID", "Shop"},
    {"Register", "registerID", "Register"},
    {"Employee", "employeeID", "Employee"},
    {"TaxClass", "taxClassID", "TaxClass"},
};

// To-many relations made of the rows of another entity that point back at this one.
struct BackReference {
  std::string_view entity, relation, child, child_field;
};
constexpr BackReference kBackReferences[] = {{"Shop", "Registers", "Register", "shopID"}};

}  // namespace

const DocumentedRelation* FindDocumentedRelation(std::string_view entity, std::string_view name) {
  for (const auto& r : kDocumented)
    if (r.entity == entity && r.name == name) return &r;
  return nullptr;
}

std::vector<std::string> SubRelations(const std::vector<std::string>& relations,
                                      const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& r : relations)
    if (r.size() > prefix.size() + 1 && r.compare(0, prefix.size(), prefix) == 0 &&
        r[prefix.size()] == '.')
      out.push_back(r.substr(prefix.size() + 1));
  return out;
}

void RenderDocumentedRelations(const Account& acct, const EntitySpec& spec, const Json& row,
                               const std::vector<std::string>& relations, Json* out) {
  for (const auto& name : relations) {
    if (name.find('.') != std::string::npos || spec.Relation(name)) continue;  // parent / modelled
    const DocumentedRelation* doc = FindDocumentedRelation(spec.name, name);
    if (!doc) continue;
    bool done = false;
    for (const auto& fk : kForeignKeys) {
      if (fk.relation != name) continue;
      const EntitySpec* target = FindEntity(fk.entity);
      const Json* ref =
          target ? FindRow(acct, std::string(fk.entity), IdOf(row, std::string(fk.field)))
                 : nullptr;
      if (ref) (*out)[name] = RenderRow(acct, *target, *ref, SubRelations(relations, name));
      done = true;
    }
    for (const auto& back : kBackReferences) {
      if (back.entity != spec.name || back.relation != name) continue;
      std::vector<Json> rows;
      const int64_t id = IdOf(row, spec.id_field);
      auto table = acct.tables.find(std::string(back.child));
      const EntitySpec* child = FindEntity(back.child);
      if (child && table != acct.tables.end())
        for (const auto& [child_id, r] : table->second.rows)
          if (IdOf(r, std::string(back.child_field)) == id)
            rows.push_back(RenderRow(acct, *child, r, SubRelations(relations, name)));
      (*out)[name] = Wrapped(std::string(back.child), std::move(rows));
      done = true;
    }
    if (!done && doc->to_many) (*out)[name] = "";
  }
}

}  // namespace sim
