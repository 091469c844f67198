// JSON helpers shared by the emulator: wire scalars, one-or-many, errors, times.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sim {

using Json = nlohmann::ordered_json;

// A request scalar (string, number, bool) as the text Lightspeed would store; nullopt for
// objects and arrays. Doubles use the shortest text that round-trips, so 34.48 stays "34.48".
std::optional<std::string> ScalarText(const Json& v);
// The field `k` of `o` as text ("" when absent or not a scalar).
std::string FieldText(const Json& o, const std::string& k);
// A 400 InvalidArgumentException naming `field`.
base::Error BadArgument(const std::string& field, const std::string& message);

// Lightspeed's one-or-many: nothing -> "" (when empty_as_string) , one -> object, many -> array.
Json OneOrMany(std::vector<Json> items);

// `{"Child": one-or-many}` or "" when there are none (nested relations).
Json Wrapped(const std::string& child, std::vector<Json> items);

// Reads a nested one-or-many from a request body: "" / null / missing -> empty; `{"Child":{}}`
// or `{"Child":[...]}` -> the objects. Returns false when the shape is anything else.
bool ReadWrapped(const Json& parent, const std::string& key, const std::string& child,
                 std::vector<Json>* out);

// "2026-11-20T15:04:05+00:00" from microseconds since the epoch.
std::string FormatTimeUs(int64_t us);

// The Lightspeed error body: {"httpCode","httpMessage","message","errorClass"}.
std::string ErrorBody(int status, std::string_view message, std::string_view error_class);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string Lower(std::string_view s);

}  // namespace sim
