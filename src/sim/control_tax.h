// Control-plane edits of an account's sales taxes (TaxCategory with its TaxCategoryClasses) and
// tax classes: PUT /_sim/accounts/{id}/tax_categories/{id} and /tax_classes/{id}. Each creates
// the record when it is missing.
#pragma once

#include <string>

#include "sim/engine.h"

namespace sim {

HttpResponse SetTaxCategory(Account& acct, const std::string& id, int64_t now_us, const Json& body);
HttpResponse SetTaxClass(Account& acct, const std::string& id, int64_t now_us, const Json& body);

}  // namespace sim
