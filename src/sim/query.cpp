#include "sim/query.h"

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "sim/decimal.h"
#include "sim/relations.h"

namespace sim {
namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexVal(s[i + 1]) >= 0 && HexVal(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexVal(s[i + 1]) * 16 + HexVal(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const char* kReserved[] = {"limit",   "after",        "before",         "sort",
                           "orderby", "orderby_desc", "load_relations", "archived",
                           "or",      "count",        "offset"};

bool IsReserved(const std::string& k) {
  for (const char* r : kReserved)
    if (k == r) return true;
  return false;
}

// The nested record spec behind a relation name.
const EntitySpec* RelationTarget(std::string_view rel) {
  if (rel == "SaleLines") return &NestedSpec("SaleLine");
  if (rel == "SalePayments") return &NestedSpec("SalePayment");
  if (rel == "ItemShops") return &NestedSpec("ItemShop");
  if (rel == "Prices") return &NestedSpec("ItemPrice");
  if (rel == "Contact") return &NestedSpec("Contact");
  return FindEntity(rel);
}

bool KnownField(const EntitySpec& spec, const std::string& field,
                const std::vector<std::string>& loaded, std::string* why) {
  const size_t dot = field.find('.');
  if (dot == std::string::npos) {
    if (spec.Field(field) || (spec.name == "Item" && field == "itemCode")) return true;
    *why = "Unknown field " + field + " for " + spec.name;
    return false;
  }
  const std::string rel = field.substr(0, dot), sub = field.substr(dot + 1);
  const RelationSpec* r = spec.Relation(rel);
  const EntitySpec* target = r ? RelationTarget(rel) : nullptr;
  if (!target || sub.find('.') != std::string::npos) {
    *why = "Unknown relation in " + field + " (one level of relation only)";
    return false;
  }
  if (!r->always && std::find(loaded.begin(), loaded.end(), rel) == loaded.end()) {
    *why = "Filtering on " + field + " needs load_relations=[\"" + rel + "\"]";
    return false;
  }
  if (target->Field(sub) || (rel == "Contact" && (sub == "email" || sub == "phone"))) return true;
  *why = "Unknown field " + sub + " for " + rel;
  return false;
}

base::Result<Filter> ParseFilter(const std::string& field, const std::string& expr) {
  Filter f{field, "=", {}};
  static const char* kOps[] = {">=", "<=", "><", "!=", "!~", ">", "<", "=", "~"};
  std::string rest = expr;
  if (expr.rfind("IN,", 0) == 0) {
    std::string list = expr.substr(3);
    if (list.size() < 2 || list.front() != '[' || list.back() != ']')
      return base::Invalid(field, "IN needs a list: " + field + "=IN,[a,b]");
    list = list.substr(1, list.size() - 2);
    size_t start = 0;
    while (true) {
      const size_t comma = list.find(',', start);
      std::string v =
          list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      f.values.push_back(v);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (f.values.size() > 100) return base::Invalid(field, "IN takes at most 100 values");
    f.op = "IN";
    return f;
  }
  for (const char* op : kOps) {
    const std::string prefix = std::string(op) + ",";
    if (expr.rfind(prefix, 0) == 0) {
      f.op = op;
      rest = expr.substr(prefix.size());
      break;
    }
  }
  if (f.op == "><") {
    const size_t comma = rest.find(',');
    if (comma == std::string::npos)
      return base::Invalid(field, "Between needs two values: " + field + "=><,a,b");
    f.values = {rest.substr(0, comma), rest.substr(comma + 1)};
  } else {
    f.values = {rest};
  }
  return f;
}

bool Like(std::string_view text, std::string_view pattern) {
  // Iterative wildcard match with backtracking to the last '%'.
  size_t t = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '_' || std::tolower(static_cast<unsigned char>(pattern[p])) ==
                                  std::tolower(static_cast<unsigned char>(text[t])))) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

int64_t TimeUs(const std::string& s, bool* ok) {
  auto t = base::ParseTime(s, "time");
  *ok = t.ok();
  if (!t.ok()) return 0;
  return std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count();
}

}  // namespace

Params ParseQueryString(std::string_view raw) {
  Params out;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t amp = raw.find('&', start);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view pair = raw.substr(start, amp - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(Decode(pair), "");
      } else {
        out.emplace_back(Decode(pair.substr(0, eq)), Decode(pair.substr(eq + 1)));
      }
    }
    start = amp + 1;
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

base::Result<std::vector<std::string>> ParseRelations(const Params& params,
                                                      const EntitySpec& spec) {
  std::vector<std::string> rels;
  for (const auto& [k, v] : params) {
    if (k != "load_relations") continue;
    if (v == "all") {
      for (const auto& r : spec.relations) rels.push_back(r.name);
      continue;
    }
    Json arr = Json::parse(v, nullptr, false);
    if (!arr.is_array())
      return base::Invalid("load_relations",
                           "load_relations must be a JSON array like [\"Contact\"]");
    for (const auto& e : arr) {
      if (!e.is_string()) return base::Invalid("load_relations", "load_relations holds names");
      const std::string name = e.get<std::string>();
      const std::string top = name.substr(0, name.find('.'));
      const RelationSpec* r = spec.Relation(top);
      bool ok = r != nullptr;
      if (ok && top != name) {
        const std::string sub = name.substr(top.size() + 1);
        ok = (top == "SaleLines" && sub == "Item") ||
             (top == "SalePayments" && sub == "PaymentType");
      }
      if (!ok) ok = FindDocumentedRelation(spec.name, name) != nullptr;
      if (!ok)
        return base::Invalid("load_relations", "Invalid relation " + name + " for " + spec.name);
      if (std::find(rels.begin(), rels.end(), name) == rels.end()) rels.push_back(name);
    }
  }
  return rels;
}

base::Result<ListQuery> ParseListQuery(const Params& params, const EntitySpec& spec) {
  ListQuery q;
  auto rels = ParseRelations(params, spec);
  if (!rels.ok()) return rels.error();
  q.relations = *rels;
  std::set<std::string> or_fields;
  for (const auto& [k, v] : params) {
    if (k == "limit") {
      auto n = ParseFixed(v, 0);
      if (!n || *n < 1) return base::Invalid("limit", "limit must be a positive integer");
      if (*n > 100) return base::Invalid("limit", "Limit must be between 1 and 100");
      q.limit = static_cast<int>(*n);
    } else if (k == "after" || k == "before") {
      std::string value;
      int64_t id;
      if (!DecodeCursor(v, &value, &id)) return base::Invalid(k, "Invalid cursor");
      (k == "after" ? q.after : q.before) = v;
    } else if (k == "sort" || k == "orderby") {
      std::string f = v;
      if (!f.empty() && f[0] == '-') {
        q.sort_desc = true;
        f = f.substr(1);
      }
      if (!spec.Field(f)) return base::Invalid(k, "Cannot sort by " + f);
      q.sort_field = f;
    } else if (k == "orderby_desc") {
      q.sort_desc = v == "1" || v == "true";
    } else if (k == "archived") {
      if (v != "true" && v != "false" && v != "only" && v != "1" && v != "0")
        return base::Invalid("archived", "archived must be true, false or only");
      q.archived = v == "1" ? "true" : v == "0" ? "false" : v;
    } else if (k == "count") {
      q.count = v == "1" || v == "true";
    } else if (k == "or") {
      std::vector<Filter> group;
      size_t start = 0;
      while (true) {
        const size_t bar = v.find('|', start);
        const std::string operand = v.substr(start, bar == std::string::npos ? bar : bar - start);
        const size_t eq = operand.find('=');
        if (eq == std::string::npos)
          return base::Invalid("or", "or= operands look like field%3Dvalue");
        const std::string field = operand.substr(0, eq);
        std::string why;
        if (!KnownField(spec, field, q.relations, &why)) return base::Invalid("or", why);
        auto f = ParseFilter(field, operand.substr(eq + 1));
        if (!f.ok()) return f.error();
        group.push_back(*f);
        or_fields.insert(field);
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
      q.or_groups.push_back(std::move(group));
    } else if (k == "load_relations" || IsReserved(k)) {
      continue;
    } else {
      std::string why;
      if (!KnownField(spec, k, q.relations, &why)) return base::Invalid(k, why);
      auto f = ParseFilter(k, v);
      if (!f.ok()) return f.error();
      q.filters.push_back(*f);
    }
  }
  q.or_extra_fields = or_fields.empty() ? 0 : static_cast<int>(or_fields.size()) - 1;
  return q;
}

FieldType FilterFieldType(const EntitySpec& spec, const std::string& field) {
  const size_t dot = field.find('.');
  if (dot == std::string::npos) {
    const FieldSpec* f = spec.Field(field);
    return f ? f->type : FieldType::kText;
  }
  const EntitySpec* target = RelationTarget(field.substr(0, dot));
  const FieldSpec* f = target ? target->Field(field.substr(dot + 1)) : nullptr;
  return f ? f->type : FieldType::kText;
}

int CompareValues(FieldType type, const std::string& a, const std::string& b) {
  switch (type) {
    case FieldType::kId:
    case FieldType::kInt:
    case FieldType::kMoney:
    case FieldType::kRate:
    case FieldType::kDecimal: {
      auto x = ParseFixed(a, 8), y = ParseFixed(b, 8);
      if (x && y) return *x < *y ? -1 : *x > *y ? 1 : 0;
      break;
    }
    case FieldType::kTime: {
      bool ok1, ok2;
      const int64_t x = TimeUs(a, &ok1), y = TimeUs(b, &ok2);
      if (ok1 && ok2) return x < y ? -1 : x > y ? 1 : 0;
      break;
    }
    case FieldType::kBool:
    case FieldType::kText:
      break;
  }
  const std::string la = Lower(a), lb = Lower(b);
  return la < lb ? -1 : la > lb ? 1 : 0;
}

bool Matches(const Filter& f, FieldType type, const std::vector<std::string>& values) {
  auto any = [&](auto pred) {
    for (const auto& v : values)
      if (pred(v)) return true;
    return false;
  };
  const std::string& x = f.values[0];
  if (f.op == "=") return any([&](const std::string& v) { return CompareValues(type, v, x) == 0; });
  if (f.op == "!=")
    return !any([&](const std::string& v) { return CompareValues(type, v, x) == 0; });
  if (f.op == ">") return any([&](const std::string& v) { return CompareValues(type, v, x) > 0; });
  if (f.op == ">=")
    return any([&](const std::string& v) { return CompareValues(type, v, x) >= 0; });
  if (f.op == "<") return any([&](const std::string& v) { return CompareValues(type, v, x) < 0; });
  if (f.op == "<=")
    return any([&](const std::string& v) { return CompareValues(type, v, x) <= 0; });
  if (f.op == "><")
    return any([&](const std::string& v) {
      return CompareValues(type, v, f.values[0]) >= 0 && CompareValues(type, v, f.values[1]) <= 0;
    });
  if (f.op == "~") return any([&](const std::string& v) { return Like(v, x); });
  if (f.op == "!~") return !any([&](const std::string& v) { return Like(v, x); });
  if (f.op == "IN")
    return any([&](const std::string& v) {
      for (const auto& w : f.values)
        if (CompareValues(type, v, w) == 0) return true;
      return false;
    });
  return false;
}

std::string EncodeCursor(const std::string& value, int64_t id) {
  static const char* hex = "0123456789abcdef";
  const std::string raw = std::to_string(id) + ":" + value;
  std::string out = "c";
  for (unsigned char c : raw) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

bool DecodeCursor(const std::string& cursor, std::string* value, int64_t* id) {
  if (cursor.size() < 3 || cursor[0] != 'c' || cursor.size() % 2 != 1) return false;
  std::string raw;
  for (size_t i = 1; i < cursor.size(); i += 2) {
    const int h = HexVal(cursor[i]), l = HexVal(cursor[i + 1]);
    if (h < 0 || l < 0) return false;
    raw.push_back(static_cast<char>(h * 16 + l));
  }
  const size_t colon = raw.find(':');
  if (colon == std::string::npos) return false;
  auto n = ParseFixed(raw.substr(0, colon), 0);
  if (!n) return false;
  *id = *n;
  *value = raw.substr(colon + 1);
  return true;
}

}  // namespace sim
