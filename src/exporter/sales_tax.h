// R10 in tax mode `lightspeed`: the tax Lightspeed will charge, predicted exactly. Pure.
//
// A Lightspeed sales tax (TaxCategory) has two rates, and may tax some tax classes at other rates
// (TaxCategoryClasses): a line's rates are its tax class's in the category, else the category's.
// A tax-inclusive category takes the tax out of the prices instead of adding it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/money.h"
#include "base/result.h"
#include "lightspeed/entities.h"

namespace exporter {

// A tax rate as an exact fraction: "0.0825" → 8'250'000 (units of 1e-8).
struct TaxRate {
  int64_t e8 = 0;
};
// Parses Lightspeed's rate strings ("0.0825", "0", "0.07250000"); false on anything else.
bool ParseTaxRate(const std::string& text, TaxRate* out);

struct TaxRates {
  TaxRate tax1, tax2;
};

struct SalesTax {
  std::string id = "0";  // the TaxCategory sent with the sale; "0": no tax
  std::string name;      // as the merchant named it ("Sales Tax")
  bool inclusive = false;
  bool customers_own = false;  // the customer's own tax category, not the shop's
  TaxRates rates;
  std::map<std::string, TaxRates> by_class;  // taxClassID → its rates in this category
};

// From Lightspeed's record; the error names a rate spoke cannot read.
base::Result<SalesTax> ToSalesTax(const lightspeed::TaxCategory& category);

struct TaxPrediction {
  base::Money tax;    // calcTax1 + calcTax2, each rounded to the cent
  base::Money total;  // the sale's total: the lines plus the tax, or the lines when inclusive
};
// Taxed lines use their `tax_class_id`'s rates; line taxes stay exact until each sum is rounded
// half away from zero, as Lightspeed does.
TaxPrediction PredictTax(const std::vector<lightspeed::NewSaleLine>& lines, const SalesTax& tax);

}  // namespace exporter
