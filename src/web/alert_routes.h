// The alerts' JSON API (issue 15): GET/PUT /api/v1/settings/alerts, a new webhook secret, the
// test alert, and GET /api/v1/alerts (incidents and deliveries). Private to web/.
#pragma once

#include "alerts/alerts.h"
#include "http/http.h"
#include "store/store.h"

namespace web {

// The strict reader of a PUT body: unknown fields and wrong types are refused naming the field.
base::Result<alerts::SettingsChange> AlertSettingsChangeFromJson(const std::string& body);

void AddAlertRoutes(http::Router& router, alerts::Alerts& alerts, store::Store& store);

}  // namespace web
