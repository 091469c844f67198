// The relations Lightspeed documents for each entity lsr-sim serves, modelled or not. A request
// may load any of them; the ones the emulator does not model answer as an empty relation (a
// to-many one as "", a to-one one left out, as for a foreign key of 0). Undocumented → 400.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/json_util.h"
#include "sim/schema.h"

namespace sim {

struct Account;

struct DocumentedRelation {
  std::string_view entity;  // "Sale"
  std::string_view name;    // "SaleLines.TaxClass"
  bool to_many;             // for the load_relations cost and the empty rendering
};

// nullptr when `name` is not documented for `entity`.
const DocumentedRelation* FindDocumentedRelation(std::string_view entity, std::string_view name);

// The names below `prefix` among `relations`: {"Customer.Contact"}, "Customer" -> {"Contact"}.
std::vector<std::string> SubRelations(const std::vector<std::string>& relations,
                                      const std::string& prefix);

// Adds to `out` the documented relations named in `relations` that `spec` does not model:
// to-one ones backed by a modelled foreign key (Sale Register, Employee, TaxCategory …) with the
// related record, rows that point back at this one (Shop Registers), and empty ones otherwise.
void RenderDocumentedRelations(const Account& acct, const EntitySpec& spec, const Json& row,
                               const std::vector<std::string>& relations, Json* out);

}  // namespace sim
