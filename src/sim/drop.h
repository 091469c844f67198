// Closing one accepted connection from inside its handler (for the drop_after_commit fault).
#pragma once

namespace sim {

// Finds the accepted TCP socket whose local/remote ports match and shuts it down both ways, so
// the client gets no answer at all. Returns false when no such socket is found.
bool ShutdownConnection(int local_port, int remote_port);

}  // namespace sim
