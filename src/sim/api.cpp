#include "sim/api.h"

#include <algorithm>
#include <set>

#include "sim/decimal.h"
#include "sim/model.h"
#include "sim/relations.h"

namespace sim {
namespace {

Json Envelope(const std::string& entity, Json row) {
  Json j = Json::object();
  j["@attributes"] = {{"count", "1"}};
  j[entity] = std::move(row);
  return j;
}

std::string BaseUrl(const HttpRequest& req) {
  const std::string host = req.Header("host");
  return "http://" + (host.empty() ? std::string("127.0.0.1") : host);
}

// The original query pairs minus the cursors, still encoded, for next/previous links.
std::string QueryWithout(const std::string& raw) {
  std::string out;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t amp = raw.find('&', start);
    if (amp == std::string::npos) amp = raw.size();
    const std::string pair = raw.substr(start, amp - start);
    const std::string key = pair.substr(0, pair.find('='));
    if (!pair.empty() && key != "after" && key != "before") out += pair + "&";
    start = amp + 1;
  }
  return out;
}

struct SortKey {
  std::string value;
  int64_t id;
};

HttpResponse List(Account& acct, const EntitySpec& spec, const HttpRequest& req,
                  const Params& params) {
  auto q = ParseListQuery(params, spec);
  if (!q.ok()) return FromError(q.error());
  const bool has_archived = spec.Field("archived") != nullptr;
  std::vector<std::pair<SortKey, const Json*>> rows;
  const FieldType sort_type =
      q->sort_field.empty() ? FieldType::kId : spec.Field(q->sort_field)->type;
  for (const auto& [id, row] : acct.tables[spec.name].rows) {
    if (has_archived) {
      const bool archived = row.value("archived", std::string()) == "true";
      if ((q->archived == "false" && archived) || (q->archived == "only" && !archived)) continue;
    }
    bool keep = true;
    for (const auto& f : q->filters)
      keep =
          keep && Matches(f, FilterFieldType(spec, f.field), FieldValues(acct, spec, row, f.field));
    for (const auto& group : q->or_groups) {
      bool any = false;
      for (const auto& f : group)
        any = any ||
              Matches(f, FilterFieldType(spec, f.field), FieldValues(acct, spec, row, f.field));
      keep = keep && any;
    }
    if (!keep) continue;
    const std::string v =
        q->sort_field.empty() ? std::to_string(id) : row.value(q->sort_field, std::string());
    rows.push_back({{v, id}, &row});
  }
  const bool desc = q->sort_desc;
  auto cmp = [&](const SortKey& a, const SortKey& b) {
    int c = CompareValues(sort_type, a.value, b.value);
    if (desc) c = -c;
    if (c == 0) c = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return c;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const auto& a, const auto& b) { return cmp(a.first, b.first) < 0; });
  size_t begin = 0, end = rows.size();
  SortKey cursor;
  if (!q->after.empty() && DecodeCursor(q->after, &cursor.value, &cursor.id)) {
    while (begin < rows.size() && cmp(rows[begin].first, cursor) <= 0) ++begin;
    end = std::min(rows.size(), begin + q->limit);
  } else if (!q->before.empty() && DecodeCursor(q->before, &cursor.value, &cursor.id)) {
    end = 0;
    while (end < rows.size() && cmp(rows[end].first, cursor) < 0) ++end;
    begin = end > static_cast<size_t>(q->limit) ? end - q->limit : 0;
  } else {
    end = std::min(rows.size(), static_cast<size_t>(q->limit));
  }
  const std::string link = BaseUrl(req) + req.path + "?" + QueryWithout(req.query);
  Json attrs = Json::object();
  attrs["next"] =
      end < rows.size() && end > begin
          ? link + "after=" + EncodeCursor(rows[end - 1].first.value, rows[end - 1].first.id)
          : "";
  attrs["previous"] =
      begin > 0 && begin < rows.size()
          ? link + "before=" + EncodeCursor(rows[begin].first.value, rows[begin].first.id)
          : "";
  if (q->count) attrs["count"] = std::to_string(rows.size());
  Json out = Json::object();
  out["@attributes"] = attrs;
  std::vector<Json> page;
  for (size_t i = begin; i < end; ++i)
    page.push_back(RenderRow(acct, spec, *rows[i].second, q->relations));
  if (!page.empty()) out[spec.name] = OneOrMany(std::move(page));
  return JsonAnswer(200, out);
}

}  // namespace

ApiRoute ParseApiPath(const std::string& full) {
  ApiRoute r;
  std::string path = full;
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
    r.json = true;
    path.resize(path.size() - 5);
  }
  const std::string root = "/API/V3/Account";
  if (path.rfind(root, 0) != 0) return r;
  std::string rest = path.substr(root.size());
  if (rest.empty()) {
    r.ok = r.account_root = true;
    r.entity = "Account";
    return r;
  }
  std::vector<std::string> parts;
  size_t start = 1;
  if (rest[0] != '/') return r;
  while (start <= rest.size()) {
    size_t slash = rest.find('/', start);
    if (slash == std::string::npos) slash = rest.size();
    parts.push_back(rest.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.empty() || parts.size() > 3) return r;
  auto account = ParseFixed(parts[0], 0);
  if (!account || *account <= 0) return r;
  r.account_id = *account;
  if (parts.size() == 1) {
    r.ok = r.account_root = true;
    r.entity = "Account";
    return r;
  }
  r.entity = parts[1];
  if (r.entity.empty()) return r;
  if (parts.size() == 3) {
    auto id = ParseFixed(parts[2], 0);
    if (!id || *id <= 0) {
      r.id = -1;  // not a number: answered 404 by the entity handler
    } else {
      r.id = *id;
    }
  }
  r.ok = true;
  return r;
}

CostInput CostOf(const ApiRoute& route, const std::string& method, const Params& params,
                 const Json* body) {
  CostInput in;
  in.method = method;
  in.entity = route.entity;
  in.is_list = method == "GET" && route.id == 0 && !route.account_root;
  in.body = body;
  const EntitySpec* spec = FindEntity(route.entity);
  for (const auto& [k, v] : params) {
    if (k == "count") in.count = v == "1" || v == "true";
    if (k == "load_relations" && spec) {
      auto rels = ParseRelations({{k, v}}, *spec);
      if (!rels.ok()) continue;
      for (const auto& name : *rels) {
        const RelationSpec* r = spec->Relation(name.substr(0, name.find('.')));
        bool many = r && r->to_many && name.find('.') == std::string::npos;
        if (!spec->Relation(name))
          if (const DocumentedRelation* d = FindDocumentedRelation(spec->name, name))
            many = d->to_many;
        (many ? in.to_many_relations : in.to_one_relations) += 1;
      }
    }
    if (k == "or") in.or_drips += OrCostDrips(v);
  }
  return in;
}

HttpResponse ServeEntity(Account& acct, int64_t now_us, const ApiRoute& route,
                         const HttpRequest& req, const Params& params, const Json* body) {
  if (route.account_root) {
    if (req.method != "GET") return JsonError(405, "Method not allowed", "MethodNotAllowed");
    Json row = {
        {"accountID", std::to_string(acct.id)},
        {"name", acct.name},
        {"link", {{"@attributes", {{"href", "/API/V3/Account/" + std::to_string(acct.id)}}}}}};
    return JsonAnswer(200, Envelope("Account", row));
  }
  const EntitySpec* spec = FindEntity(route.entity);
  if (!spec || spec->name == "Account")
    return JsonError(404, "Unknown resource " + route.entity, "NotFoundException");
  const std::string& m = req.method;
  if (m == "GET" && route.id == 0) return List(acct, *spec, req, params);
  if (route.id < 0) return JsonError(404, spec->name + " not found", "NotFoundException");
  if (m != "GET" && !spec->writable)
    return JsonError(405, spec->name + " is read-only here", "MethodNotAllowed");
  if ((m == "POST" && route.id != 0) || ((m == "PUT" || m == "DELETE") && route.id == 0))
    return JsonError(405, "Method not allowed on this path", "MethodNotAllowed");
  if ((m == "POST" || m == "PUT") && (!body || !body->is_object()))
    return JsonError(400, "The body must be a JSON object", "InvalidArgumentException");
  auto rels = ParseRelations(params, *spec);
  if (!rels.ok()) return FromError(rels.error());
  std::vector<std::string> relations = *rels;
  int64_t open_sale_id = 0;
  const Ctx ctx{&acct, now_us, &open_sale_id};
  int64_t id = route.id;
  if (m == "POST") {
    auto created = CreateEntity(ctx, *spec, *body);
    if (!created.ok()) {
      HttpResponse r = FromError(created.error());
      if (open_sale_id != 0) {
        Json error = Json::parse(r.body);
        error["saleID"] = std::to_string(open_sale_id);
        r.body = error.dump();
      }
      return r;
    }
    id = *created;
  } else if (m == "PUT") {
    if (auto st = UpdateEntity(ctx, *spec, id, *body); !st.ok()) return FromError(st.error());
  } else if (m == "DELETE") {
    if (auto st = DeleteEntity(ctx, *spec, id); !st.ok()) return FromError(st.error());
  } else if (m != "GET") {
    return JsonError(405, "Method not allowed", "MethodNotAllowed");
  }
  if (m != "GET")
    for (const auto& r : WriteRelations(*spec))
      if (std::find(relations.begin(), relations.end(), r) == relations.end())
        relations.push_back(r);
  const Json* row = FindRow(acct, spec->name, id);
  if (!row)
    return JsonError(404, spec->name + " " + std::to_string(id) + " not found",
                     "NotFoundException");
  return JsonAnswer(200, Envelope(spec->name, RenderRow(acct, *spec, *row, relations)));
}

}  // namespace sim
