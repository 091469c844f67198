// Query strings of list requests: filters (field=OP,value, or=), sort, paging cursors, relations.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "sim/schema.h"

namespace sim {

using Params = std::vector<std::pair<std::string, std::string>>;

// PHP-style decoding (as Lightspeed's servers do): split on '&', key and value at the first '=',
// %XX decoded and '+' read as a space. Unlike httplib's parser, "a=>=,5" keeps its value.
Params ParseQueryString(std::string_view raw);
std::string UrlEncode(std::string_view s);

struct Filter {
  std::string field;                // "firstName", "Contact.email"
  std::string op;                   // "=", ">", ">=", "<", "<=", "><", "!=", "~", "!~", "IN"
  std::vector<std::string> values;  // one, two for "><", many for IN
};

struct ListQuery {
  int limit = 100;
  std::string after, before;  // opaque cursors
  std::string sort_field;     // "" = by id
  bool sort_desc = false;
  std::vector<std::string> relations;  // load_relations, as sent ("SaleLines", "SaleLines.Item")
  std::string archived = "false";      // false | true | only
  bool count = false;
  std::vector<Filter> filters;                 // all must match
  std::vector<std::vector<Filter>> or_groups;  // each group: one must match
  int or_extra_fields = 0;                     // distinct fields beyond the first across or=
};

// Relations named by load_relations (JSON array, or "all"); refuses names the entity lacks.
base::Result<std::vector<std::string>> ParseRelations(const Params& params, const EntitySpec& spec);

// Everything of a list request; refuses unknown fields and operators, limit > 100, bad cursors.
base::Result<ListQuery> ParseListQuery(const Params& params, const EntitySpec& spec);

// Reads a field's values from a row (several for to-many dot paths) and its type.
using FieldReader = std::function<std::vector<std::string>(const Json& row, const std::string&)>;
FieldType FilterFieldType(const EntitySpec& spec, const std::string& field);
bool Matches(const Filter& f, FieldType type, const std::vector<std::string>& values);

// Orders two wire values of a type: numbers numerically, times as instants, text bytewise.
int CompareValues(FieldType type, const std::string& a, const std::string& b);

std::string EncodeCursor(const std::string& value, int64_t id);
bool DecodeCursor(const std::string& cursor, std::string* value, int64_t* id);

}  // namespace sim
