// lsr-sim's list-request parser on any query string: ParseQueryString, then ParseRelations and
// ParseListQuery against every entity lsr-sim serves, and each accepted filter evaluated (the
// comparisons and LIKE matching a list runs per row). Decoding, encoding and cursors must
// round-trip.
#include <string>

#include "fuzz/fuzz_util.h"
#include "sim/query.h"

namespace {

const char* kEntities[] = {"Shop",       "Register", "Employee",    "TaxCategory",
                           "Customer",   "Item",     "PaymentType", "Sale",
                           "Serialized", "Account",  "SaleLine",    "ContactEmail"};

void Evaluate(const sim::EntitySpec& spec, const sim::Filter& f) {
  FUZZ_CHECK(!f.values.empty(), "a filter without a value: " + f.field);
  const sim::FieldType type = sim::FilterFieldType(spec, f.field);
  // Rows holding the filter's own values, and one value more.
  std::vector<std::string> values = f.values;
  values.push_back("7");
  (void)sim::Matches(f, type, values);
  (void)sim::Matches(f, type, {});
  for (const std::string& v : f.values) {
    FUZZ_CHECK(sim::CompareValues(type, v, v) == 0, "a value unequal to itself: " + v);
    const int ab = sim::CompareValues(type, v, values.back());
    const int ba = sim::CompareValues(type, values.back(), v);
    FUZZ_CHECK((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0), "asymmetric order: " + v);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw = fuzz::AsText(data, size);
  const sim::Params params = sim::ParseQueryString(raw);
  // Encoding what was decoded and decoding it again gives the same pairs.
  std::string encoded;
  for (const auto& [k, v] : params) encoded += sim::UrlEncode(k) + "=" + sim::UrlEncode(v) + "&";
  FUZZ_CHECK(sim::ParseQueryString(encoded) == params, "re-encoded as " + encoded);
  for (const char* name : kEntities) {
    const sim::EntitySpec* spec = sim::FindEntity(name);
    if (!spec) continue;
    (void)sim::ParseRelations(params, *spec);
    auto q = sim::ParseListQuery(params, *spec);
    if (!q.ok()) {
      FUZZ_CHECK(!q.error().message.empty(), "an empty error");
      continue;
    }
    FUZZ_CHECK(q->limit >= 1 && q->limit <= 100, std::to_string(q->limit));
    if (!q->sort_field.empty()) FUZZ_CHECK(spec->Field(q->sort_field), q->sort_field);
    for (const sim::Filter& f : q->filters) Evaluate(*spec, f);
    for (const auto& group : q->or_groups)
      for (const sim::Filter& f : group) Evaluate(*spec, f);
  }
  for (const auto& [k, v] : params) {
    std::string value;
    int64_t id = 0;
    const int64_t n = static_cast<int64_t>(v.size()) * 7919;
    FUZZ_CHECK(sim::DecodeCursor(sim::EncodeCursor(v, n), &value, &id) && value == v && id == n,
               "cursor for " + v);
  }
  return 0;
}
