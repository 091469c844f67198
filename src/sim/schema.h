// Entity descriptions: fields in wire order with their types and defaults, and relations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sim/json_util.h"

namespace sim {

enum class FieldType { kText, kId, kInt, kBool, kMoney, kRate, kTime, kDecimal };

struct FieldSpec {
  std::string name;
  FieldType type;
  std::string def;  // default value in wire form
};

struct RelationSpec {
  std::string name;  // "SaleLines"
  bool to_many;      // for the load_relations cost
  bool always;       // rendered without being asked (Item.Prices)
};

struct EntitySpec {
  std::string name;      // "Sale"
  std::string id_field;  // "saleID"
  std::vector<FieldSpec> fields;
  std::vector<RelationSpec> relations;
  bool writable = false;  // POST/PUT/DELETE allowed
  const FieldSpec* Field(std::string_view name) const;
  const RelationSpec* Relation(std::string_view name) const;
};

// nullptr for entities the emulator does not serve.
const EntitySpec* FindEntity(std::string_view name);
// Nested record shapes (SaleLine, SalePayment, ItemPrice, ItemShop, Contact, ContactEmail, ...).
const EntitySpec& NestedSpec(std::string_view name);

// A request value for a field, normalised to wire form ("1" -> "true" for booleans, "10" ->
// "10.00" for money). Errors name the field.
base::Result<std::string> Normalize(const FieldSpec& field, const Json& value);

// A fresh row with every field at its default.
Json DefaultRow(const EntitySpec& spec);

// Copies the scalar fields `body` sets onto `row`, normalised; unknown keys are ignored (as
// Lightspeed does), relations are left to the caller. `skip` names fields the caller owns.
base::Status ApplyScalars(const EntitySpec& spec, const Json& body, Json* row,
                          const std::vector<std::string>& skip);

}  // namespace sim
