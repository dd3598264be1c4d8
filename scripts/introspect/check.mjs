// Reads a GraphQL introspection result (the JSON of an HTTP response) from the file named on the
// command line, builds a client schema from it with graphql-js (what Apollo, Relay, urql and
// GraphiQL use), and checks that it is valid and complete. Prints one line; exit 1 on failure.
import { readFileSync } from "node:fs";
import { buildClientSchema, validateSchema, printSchema, assertObjectType } from "graphql";

const res = JSON.parse(readFileSync(process.argv[2], "utf8"));
if (res.errors) {
  console.error("introspection errors:", JSON.stringify(res.errors));
  process.exit(1);
}
const schema = buildClientSchema(res.data);
const errors = validateSchema(schema);
if (errors.length > 0) {
  console.error("invalid schema:", errors.map((e) => e.message).join("; "));
  process.exit(1);
}
const want = (process.argv[3] || "").split(",").filter(Boolean);
const query = assertObjectType(schema.getQueryType());
const mutation = assertObjectType(schema.getMutationType());
const missing = want.filter((f) => !query.getFields()[f] && !mutation.getFields()[f]);
if (missing.length > 0) {
  console.error("missing root fields:", missing.join(", "));
  process.exit(1);
}
const undocumented = [];
for (const type of Object.values(schema.getTypeMap())) {
  if (type.name.startsWith("__") || ["String", "Int", "Float", "Boolean", "ID"].includes(type.name)) continue;
  if (!type.description) undocumented.push(type.name);
}
if (undocumented.length > 0) {
  console.error("types without a description:", undocumented.join(", "));
  process.exit(1);
}
console.log(`ok: ${Object.keys(schema.getTypeMap()).length} types, ${printSchema(schema).length} bytes of SDL`);
