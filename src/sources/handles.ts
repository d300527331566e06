/** Handles reading: the number of active handles and requests (sockets, servers, timers, fs requests…). */
export function countActiveResources(): number {
  return process.getActiveResourcesInfo().length;
}

/** Count of active resources by type name (`Timeout`, `TCPSocketWrap`, `FSReqCallback`…). */
export function activeResourcesByType(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
