// Back to one SOURCED_FROM relationship per transaction and source.
MATCH (t:Transaction) WHERE t.sources IS NOT NULL
CALL (t) {
  UNWIND t.sources AS sid
  MATCH (s:Source {id: sid})
  MERGE (t)-[p:SOURCED_FROM]->(s)
  SET p.refs = [r IN coalesce(t.refs, []) WHERE r STARTS WITH sid + ' ' | substring(r, size(sid) + 1)],
      p.properties = [k IN keys(t) WHERE NOT k IN ['id', 'sources', 'refs', 'firstSeen', 'lastSeen', 'flowPending']],
      p.firstSeen = t.firstSeen, p.lastSeen = t.lastSeen, p.loadedAt = datetime()
} IN TRANSACTIONS OF 10000 ROWS;
MATCH (t:Transaction) WHERE t.sources IS NOT NULL
CALL (t) {
  REMOVE t.sources, t.refs
} IN TRANSACTIONS OF 10000 ROWS;
