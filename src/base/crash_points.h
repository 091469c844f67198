// Named places where a test build can kill the process (SIGKILL) to prove exactly-once export
// across crashes. SPOKE_CRASH_POINT=<name> selects one; SPOKE_CRASH_HIT=N kills at the N-th time
// the process reaches it (default 1). Without SPOKE_TEST_HOOKS they compile to nothing.
//
// The points, in the order an export meets them:
//   after_claim               the order is claimed, nothing sent yet
//   before_create_<kind>      a create is about to be sent (its gate is taken); kind is
//                             customer, item, payment_type or serial
//   after_create_<kind>       Lightspeed answered the create; the link is not stored yet
//   after_intent              the sale intent (search-first mark) is durable; not sent yet
//   after_send                Lightspeed answered the sale; nothing recorded
//   before_success            sale and serials done; the export is not marked exported yet
//   after_success             marked exported
//   after_token_rotated       Lightspeed issued a new token pair that is not stored yet
#pragma once

namespace base {
void CrashPoint(const char* name);
}  // namespace base
