// The --state file: accounts, their tables and tokens as one JSON document.
#include "sim/engine.h"

namespace sim {

Json SaveState(const State& s) {
  Json accounts = Json::array();
  for (const auto& [id, a] : s.accounts) {
    Json tables = Json::object();
    for (const auto& [name, t] : a.tables) {
      Json rows = Json::array();
      for (const auto& [rid, row] : t.rows) rows.push_back(row);
      tables[name] = {{"next_id", t.next_id}, {"rows", rows}};
    }
    accounts.push_back({{"id", a.id},
                        {"name", a.name},
                        {"registers", a.registers},
                        {"client_id", a.client_id},
                        {"client_secret", a.client_secret},
                        {"redirect_uri", a.redirect_uri},
                        {"access_ttl_s", a.access_ttl_s},
                        {"refresh_ttl_s", a.refresh_ttl_s},
                        {"refresh_limit_per_minute", a.refresh_limit_per_minute},
                        {"rate",
                         {{"model", a.rate.model},
                          {"size_micro", a.rate.size_micro},
                          {"drip_micro", a.rate.drip_micro},
                          {"burst_limit", a.rate.burst_limit}}},
                        {"refreshes", a.stats.refreshes},
                        {"failed_completion", a.failed_completion},
                        {"tables", tables}});
  }
  Json access = Json::object(), refresh = Json::object();
  for (const auto& [tok, a] : s.access)
    access[tok] = {{"account_id", a.account_id},
                   {"expires_us", a.expires_us},
                   {"parent_refresh", a.parent_refresh},
                   {"refresh", a.refresh},
                   {"used", a.used}};
  for (const auto& [tok, r] : s.refresh)
    refresh[tok] = {{"account_id", r.account_id}, {"parent", r.parent}, {"issued_us", r.issued_us}};
  return {{"format", "lsr-sim-state/1"},
          {"next_account_id", s.next_account_id},
          {"accounts", accounts},
          {"access_tokens", access},
          {"refresh_tokens", refresh}};
}

base::Result<State> LoadState(const Json& j) {
  if (!j.is_object() || j.value("format", std::string()) != "lsr-sim-state/1")
    return base::Invalid("state_file", "not an lsr-sim state file (format lsr-sim-state/1)");
  try {
    State s;
    s.next_account_id = j.at("next_account_id").get<int64_t>();
    for (const auto& a : j.at("accounts")) {
      Account acct;
      acct.id = a.at("id").get<int64_t>();
      acct.name = a.at("name").get<std::string>();
      acct.registers = a.at("registers").get<int>();
      acct.client_id = a.at("client_id").get<std::string>();
      acct.client_secret = a.at("client_secret").get<std::string>();
      acct.redirect_uri = a.at("redirect_uri").get<std::string>();
      acct.access_ttl_s = a.at("access_ttl_s").get<int64_t>();
      acct.refresh_ttl_s = a.value("refresh_ttl_s", acct.refresh_ttl_s);
      acct.refresh_limit_per_minute =
          a.value("refresh_limit_per_minute", acct.refresh_limit_per_minute);
      const Json& r = a.at("rate");
      acct.rate = {r.at("model").get<std::string>(), r.at("size_micro").get<int64_t>(),
                   r.at("drip_micro").get<int64_t>(), r.at("burst_limit").get<int64_t>()};
      acct.stats.refreshes = a.value("refreshes", int64_t{0});
      acct.failed_completion = a.value("failed_completion", std::string("nothing_saved"));
      for (auto it = a.at("tables").begin(); it != a.at("tables").end(); ++it) {
        Table& t = acct.tables[it.key()];
        t.next_id = it->at("next_id").get<int64_t>();
        for (const auto& row : it->at("rows")) {
          int64_t id = 0;
          for (auto f = row.begin(); f != row.end(); ++f) {
            if (f.key().size() > 2 && f.key().compare(f.key().size() - 2, 2, "ID") == 0) {
              id = std::stoll(f->get<std::string>());
              break;
            }
          }
          t.rows[id] = row;
        }
      }
      s.accounts[acct.id] = std::move(acct);
    }
    for (auto it = j.at("access_tokens").begin(); it != j.at("access_tokens").end(); ++it)
      s.access[it.key()] = {it->at("account_id").get<int64_t>(),
                            it->at("expires_us").get<int64_t>(),
                            it->at("parent_refresh").get<std::string>(),
                            it->at("refresh").get<std::string>(), it->at("used").get<bool>()};
    for (auto it = j.at("refresh_tokens").begin(); it != j.at("refresh_tokens").end(); ++it)
      s.refresh[it.key()] = {it->at("account_id").get<int64_t>(),
                             it->at("parent").get<std::string>(),
                             it->value("issued_us", int64_t{0})};
    return s;
  } catch (const std::exception& e) {
    return base::Invalid("state_file", std::string("state file is damaged: ") + e.what());
  }
}

}  // namespace sim
