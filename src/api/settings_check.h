// Where sales are rung up, checked against Lightspeed before the store's settings change: the
// register must belong to the chosen shop and the employee must be able to sell there. Private
// to api/.
#pragma once

#include "base/result.h"
#include "exporter/connections.h"
#include "store/store.h"

namespace api {

// `next` replaces `current`. Refuses changing the Lightspeed account while connected (connect
// again instead). When connected and the shop, register or employee change, asks Lightspeed;
// if Lightspeed cannot be asked, the settings are not held back (an export would then name the
// problem).
base::Status CheckLightspeedSettings(exporter::Connections* connections, store::StoreId s,
                                     const store::LightspeedSettings& current,
                                     const store::LightspeedSettings& next);

}  // namespace api
