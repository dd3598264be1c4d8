// The UI's speed in real Chromium (a benchmark, not a test: `make bench-ui`, figures in
// docs/benchmarks.md): how long expanding a hub to 500+ neighbours takes to draw, how long a
// saved view of ~5,000 nodes takes to open, and the frame rate while panning and zooming it. It
// leaves a closed case "UI benchmark <time>" holding that view.
//
//   CROSSLINK_UI_URL=http://127.0.0.1:8080 CROSSLINK_UI_ANALYST_KEY=cl_... node ui/e2e/bench.mjs
import { client, launch } from './browser.mjs';

const url = process.env.CROSSLINK_UI_URL || 'http://127.0.0.1:8080';
const key = process.env.CROSSLINK_UI_ANALYST_KEY;
const target = Number(process.env.CROSSLINK_UI_BENCH_NODES || 5000);
if (!key) throw new Error('CROSSLINK_UI_ANALYST_KEY is required');
/** Asks the API directly, to pick the demo world's subjects without hard-coding ids. */
const gql = client(url, key);

// The busiest nodes of the money-flow graph: hubs to expand.
let job = (await gql(`mutation { startCentrality(input: { algorithm: DEGREE, scope: { kind: MONEY_FLOW }, first: 400 }) { id } }`)).startCentrality;
for (;;) {
  job = (await gql(`query($id: ID!) { job(id: $id) { id state error centrality { ranked { node { id caption type } score } } } }`, { id: job.id })).job;
  if (job.state !== 'RUNNING') break;
  await new Promise((r) => setTimeout(r, 500));
}
if (job.state !== 'SUCCEEDED') throw new Error(`centrality job ${job.state}: ${job.error}`);
const ranked = job.centrality.ranked;

const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.setDefaultTimeout(120_000);
await page.goto(url);
await page.fill('#apikey', key);
await page.click('button[type=submit]');
await page.getByTestId('who').waitFor();

// 1. Expand the two busiest hubs, up to 500 neighbours each (and the same request straight to
// the API).
const hubs = ranked.slice(0, 2).map((r) => r.node);
const a0 = Date.now();
await gql(`query($ids: [ID!]!) { neighbourhood(ids: $ids, hops: 1, limitPerNode: 500, filter: { types: [PERSON, ORGANIZATION, COMPANY, BANK_ACCOUNT, CRYPTO_WALLET, USER_ACCOUNT, ADDRESS, MERCHANT, REPORT, EMAIL, PHONE, IP_ADDRESS, DEVICE, FILE_HASH, HANDLE] }) { nodes { id type caption properties } edges { id type from to properties } more { nodeId omitted dense } truncated } }`, { ids: hubs.map((h) => h.id) });
const apiMs = Date.now() - a0;
// The two busiest hubs, expanded together (500+ nodes).
for (const h of hubs) {
  await page.getByLabel('Search').fill(h.caption);
  await page.locator(`[role=option][data-id="${h.id}"]`).click();
  await page.waitForFunction((id) => window.__cy.getElementById(id).nonempty(), h.id);
}
await page.evaluate((ids) => { window.__cy.nodes().unselect(); ids.forEach((id) => window.__cy.getElementById(id).select()); }, hubs.map((h) => h.id));
await page.getByRole('button', { name: 'Filters' }).click();
await page.getByLabel('At most per node').fill('500');
await page.evaluate(() => { window.__drawMs = []; });
const t0 = Date.now();
await page.getByRole('button', { name: 'Expand', exact: true }).click();
await page.waitForFunction(() => window.__cy.nodes().length > 2 && !document.querySelector('[data-testid=busy]'));
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const expandMs = Date.now() - t0;
const expanded = await page.evaluate(() => window.__cy.nodes().length);
const draws = await page.evaluate(() => window.__drawMs.map((x) => Math.round(x)));

// 2. A saved view of ~5,000 nodes: the neighbourhoods of the hubs, saved through the API.
const ids = new Set();
for (let i = 0; i < ranked.length && ids.size < target; i += 20) {
  const n = await gql(`query($ids: [ID!]!) { neighbourhood(ids: $ids, hops: 1, limitPerNode: 500, filter: { types: [PERSON, COMPANY, ORGANIZATION, BANK_ACCOUNT, CRYPTO_WALLET, MERCHANT, USER_ACCOUNT, EMAIL, PHONE, IP_ADDRESS, DEVICE, HANDLE, REPORT, ADDRESS, FILE_HASH] }) { nodes { id } } }`,
    { ids: ranked.slice(i, i + 20).map((r) => r.node.id) });
  for (const x of n.neighbourhood.nodes) if (ids.size < target) ids.add(x.id);
}
const c = (await gql(`mutation { createCase(title: "UI benchmark ${new Date().toISOString()}") { id } }`)).createCase;
await gql(`mutation($id: ID!, $v: SavedViewInput!) { saveCaseView(id: $id, view: $v) { id } }`, { id: c.id, v: { name: 'big', nodeIds: [...ids] } });
await page.getByRole('tab', { name: 'Cases' }).click();
await page.getByRole('button', { name: /^UI benchmark/ }).first().click();
const t1 = Date.now();
await page.getByRole('list', { name: 'Saved views' }).getByRole('button', { name: 'big' }).click();
await page.waitForFunction((k) => window.__cy && window.__cy.nodes().length >= k, ids.size);
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const openMs = Date.now() - t1;
await page.waitForFunction(() => !document.querySelector('[data-testid=busy]'));
const linksMs = Date.now() - t1;
const big = await page.evaluate(() => ({ nodes: window.__cy.nodes().length, edges: window.__cy.edges().length }));

// 3. Pan (drag) and zoom (wheel) with the mouse for 3 s, as a person does, counting frames.
await page.getByRole('tab', { name: 'Explore' }).click();
await page.evaluate(() => {
  window.__frames = [];
  const tick = (now) => {
    window.__frames.push(now);
    if (window.__frames.length < 100000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});
const box = await page.getByTestId('canvas').boundingBox();
const cx = box.x + box.width / 2;
const cyy = box.y + box.height / 2;
const g0 = await page.evaluate(() => performance.now());
for (let round = 0; round < 3; round++) {
  await page.mouse.move(cx, cyy);
  await page.mouse.down();
  for (let i = 0; i < 20; i++) await page.mouse.move(cx + 10 * i, cyy + 5 * i);
  await page.mouse.up();
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, i % 2 ? 200 : -200);
}
const fps = await page.evaluate((start) => {
  const f = window.__frames.filter((t) => t >= start);
  let worst = 0;
  for (let i = 1; i < f.length; i++) worst = Math.max(worst, f[i] - f[i - 1]);
  const secs = (f[f.length - 1] - f[0]) / 1000;
  return { fps: (f.length - 1) / secs, worstFrameMs: worst, secs };
}, g0);
await browser.close();
await gql(`mutation($id: ID!) { updateCase(id: $id, status: CLOSED) { id } }`, { id: c.id });

console.log('| measurement | value |');
console.log('|---|---:|');
console.log(`| expand ${hubs.map((h) => `${h.caption} (${h.type.toLowerCase()})`).join(' and ')} to ${expanded} nodes: click to drawn | ${expandMs} ms |`);
console.log(`| ... the same neighbourhood request straight to the API | ${apiMs} ms |`);
console.log(`| ... applying each state to the canvas (ms) | ${draws.join(', ')} |`);
console.log(`| open a saved view of ${big.nodes} nodes: click to drawn | ${openMs} ms |`);
console.log(`| ... and its ${big.edges} links (neighbourhoods of the first 2,000 nodes, 50 per request) | ${linksMs} ms |`);
console.log(`| drag and wheel-zoom over ${big.nodes} nodes (${fps.secs.toFixed(1)} s) | ${fps.fps.toFixed(1)} frames/s, worst frame ${fps.worstFrameMs.toFixed(0)} ms |`);
