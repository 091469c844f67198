#include "base/crash_points.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace base {

void CrashPoint(const char* name) {
#ifdef SPOKE_TEST_HOOKS
  static const char* chosen = std::getenv("SPOKE_CRASH_POINT");
  static const long hit = [] {
    const char* n = std::getenv("SPOKE_CRASH_HIT");
    return n ? std::max(1L, std::strtol(n, nullptr, 10)) : 1L;
  }();
  static std::atomic<long> reached{0};
  if (chosen && std::strcmp(chosen, name) == 0 && ++reached >= hit) raise(SIGKILL);
#else
  (void)name;
#endif
}

}  // namespace base
