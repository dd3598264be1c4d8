// A Transaction holds its provenance on the node, like a relationship: `sources` (Source ids)
// and `refs` ("<source id> line N record R", the first 5), and its SENT and TO share it. Graphs
// loaded before kept it in a SOURCED_FROM relationship per transaction: move it onto the node.
MATCH (t:Transaction)-[p:SOURCED_FROM]->(s:Source)
CALL (t, p, s) {
  SET t.sources = CASE WHEN s.id IN coalesce(t.sources, []) THEN t.sources ELSE coalesce(t.sources, []) + s.id END,
      t.refs = (coalesce(t.refs, []) + [r IN coalesce(p.refs, []) | s.id + ' ' + r])[..5]
  DELETE p
} IN TRANSACTIONS OF 10000 ROWS;
