// Socket surgery cpp-httplib 0.11 does not offer: dropping a connection from inside its handler
// (the drop_after_commit fault) and a listen backlog above its built-in 5.
#pragma once

namespace sim {

// Finds the accepted TCP sockets whose local/remote ports match (remote_port -1: any) and shuts
// them down both ways, so the client gets no answer at all. Returns how many were found.
int ShutdownConnections(int local_port, int remote_port);

// Re-issues listen() on the socket listening on `port` with a larger backlog (Linux allows it), so
// bursts of new connections are not dropped and retried a second later. Returns false if not found.
bool RaiseListenBacklog(int port, int backlog);

}  // namespace sim
