// Named places where a test build can kill the process (SIGKILL) to prove exactly-once export
// across crashes. SPOKE_CRASH_POINT=after_claim|after_intent|after_send|before_success selects
// one; without SPOKE_TEST_HOOKS they compile to nothing.
#pragma once

namespace exporter {
void CrashPoint(const char* name);
}  // namespace exporter
