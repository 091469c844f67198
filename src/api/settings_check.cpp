#include "api/settings_check.h"

namespace api {
namespace {

bool Unset(const std::string& id) { return id.empty() || id == "0"; }

std::string Named(const std::string& kind, const std::string& id, const std::string& name) {
  return kind + " " + (name.empty() ? id : "\"" + name + "\" (" + id + ")");
}

}  // namespace

base::Status CheckLightspeedSettings(exporter::Connections* connections, store::StoreId s,
                                     const store::LightspeedSettings& current,
                                     const store::LightspeedSettings& next) {
  const bool connected = current.connection == store::ConnectionState::kConnected;
  if (connected && next.account_id != current.account_id)
    return base::Invalid("account_id", "This store is connected to Lightspeed account " +
                                           current.account_id +
                                           ": to use another account, connect again (Settings → "
                                           "Lightspeed → Connect again) instead of changing it");
  const bool moved = next.shop_id != current.shop_id || next.register_id != current.register_id ||
                     next.employee_id != current.employee_id;
  if (!connected || !moved || !connections || Unset(next.shop_id)) return {};
  auto client = connections->ClientFor(s);
  if (!client.ok()) return {};
  auto shops = base::SyncWait((*client)->ListShops());
  auto registers = base::SyncWait((*client)->ListRegisters());
  auto employees = base::SyncWait((*client)->ListEmployees());
  if (!shops.ok() || !registers.ok() || !employees.ok()) return {};
  const lightspeed::Shop* chosen = nullptr;
  for (const auto& s : *shops)
    if (s.id == next.shop_id) chosen = &s;
  if (!chosen) return base::Invalid("shop_id", "Lightspeed has no shop " + next.shop_id);
  const std::string shop = Named("shop", chosen->id, chosen->name);
  if (!Unset(next.register_id)) {
    const lightspeed::Register* reg = nullptr;
    for (const auto& r : *registers)
      if (r.id == next.register_id) reg = &r;
    if (!reg) return base::Invalid("register_id", "Lightspeed has no register " + next.register_id);
    if (reg->shop_id != next.shop_id)
      return base::Invalid("register_id", Named("Register", reg->id, reg->name) +
                                              " belongs to another shop than " + shop +
                                              ": choose one of its registers");
  }
  if (!Unset(next.employee_id)) {
    const lightspeed::Employee* emp = nullptr;
    for (const auto& e : *employees)
      if (e.id == next.employee_id) emp = &e;
    if (!emp) return base::Invalid("employee_id", "Lightspeed has no employee " + next.employee_id);
    const std::string who = Named("Employee", emp->id, emp->first_name + " " + emp->last_name);
    if (emp->locked_out) return base::Invalid("employee_id", who + " is locked out in Lightspeed");
    if (!lightspeed::MaySellAt(*emp, next.shop_id))
      return base::Invalid("employee_id", who + " may only sell at shop " + emp->limit_to_shop_id +
                                              ", not at " + shop);
  }
  return {};
}

}  // namespace api
