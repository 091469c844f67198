// Strong ids: a StoreId cannot be passed where an OrderId is expected.
#pragma once

#include <cstdint>
#include <functional>

namespace base {

template <typename Tag>
struct Id {
  int64_t value = 0;
  constexpr bool valid() const { return value > 0; }
  constexpr auto operator<=>(const Id&) const = default;
};

}  // namespace base

template <typename Tag>
struct std::hash<base::Id<Tag>> {
  size_t operator()(const base::Id<Tag>& id) const { return std::hash<int64_t>()(id.value); }
};
