// End-to-end: the investigator's flow in real Chromium against a running `crosslink serve` with
// the demo world loaded (scripts/e2e.sh sets this up): sign in → search → expand → entity panel
// with provenance → risk evidence → money trail between two accounts → export → alert queue →
// communities → a case with a note, a saved view and a report.
// Screenshots of each step go to CROSSLINK_UI_ARTIFACTS (default ui/test-results).
//
//   CROSSLINK_UI_URL=http://127.0.0.1:8080 CROSSLINK_UI_ANALYST_KEY=cl_... node --test e2e/
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { client, launch } from './browser.mjs';

const url = process.env.CROSSLINK_UI_URL || 'http://127.0.0.1:8080';
const key = process.env.CROSSLINK_UI_ANALYST_KEY;
const artifacts = process.env.CROSSLINK_UI_ARTIFACTS || join(import.meta.dirname, '..', 'test-results');
if (!key) throw new Error('CROSSLINK_UI_ANALYST_KEY is required (an analyst API key of the server at CROSSLINK_UI_URL)');
mkdirSync(artifacts, { recursive: true });

/** Asks the API directly, to pick the demo world's subjects without hard-coding ids. */
const gql = client(url, key);

const cyCount = (page, sel) => page.evaluate((s) => window.__cy.$(s).length, sel);

describe('investigator flow', { timeout: 300_000 }, () => {
  let browser;
  let page;
  const pageErrors = [];
  let subject; // the highest-risk alerted person
  let trail; // [from account, to account] with money between them

  before(async () => {
    const r = await gql(`{ riskRanking(alertsOnly: true, first: 20) { nodes { subject { id type caption } } } }`);
    subject = r.riskRanking.nodes.map((n) => n.subject).find((s) => s && s.type === 'PERSON');
    assert.ok(subject, 'the demo world has an alerted person (did detection run?)');
    const n = await gql(
      `query($id: ID!) { neighbourhood(ids: [$id], hops: 2, filter: { relationshipTypes: [HOLDS, FLOW] }, limitPerNode: 50) { edges { type from to } } }`,
      { id: subject.id },
    );
    const held = new Set(n.neighbourhood.edges.filter((e) => e.type === 'HOLDS' && e.from === subject.id).map((e) => e.to));
    const flows = n.neighbourhood.edges.filter((e) => e.type === 'FLOW' && held.has(e.from) && !held.has(e.to));
    const flow = flows.find((e) => !e.to.startsWith('merchant:')) ?? flows[0];
    assert.ok(flow, `${subject.id} pays someone`);
    trail = [flow.from, flow.to];

    browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(30_000);
  });

  after(async () => {
    await browser?.close();
  });

  const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`) });

  it('refuses a wrong key and signs in with a right one', async () => {
    await page.goto(url);
    await page.fill('#apikey', 'cl_not-a-key');
    await page.click('button[type=submit]');
    const err = await page.getByRole('alert').textContent();
    assert.match(err, /refused/);
    await page.fill('#apikey', key);
    await page.click('button[type=submit]');
    await page.getByTestId('who').waitFor();
    assert.match(await page.getByTestId('who').textContent(), /analyst/);
    await shot('01-signed-in');
  });

  it('searches and puts the result on the canvas', async () => {
    await page.getByLabel('Search').fill(subject.caption);
    const hit = page.locator(`[role=option][data-id="${subject.id}"]`);
    await hit.waitFor();
    assert.match(await hit.textContent(), /risk \d\.\d\d/, 'a risk badge');
    await shot('02-search');
    await hit.click();
    await page.waitForFunction((id) => window.__cy.getElementById(id).nonempty(), subject.id);
    assert.equal(await cyCount(page, 'node'), 1);
  });

  it('shows the entity with its sources', async () => {
    const panel = page.getByTestId('entity-panel');
    await panel.locator('h2', { hasText: subject.caption }).waitFor();
    const sources = panel.getByRole('table', { name: 'Sources' });
    await sources.waitFor();
    assert.ok((await sources.locator('tbody tr').count()) >= 1, 'at least one source row');
    assert.match(await sources.textContent(), /demo-bank/);
    await shot('03-entity-panel');
  });

  it('expands the neighbourhood', async () => {
    await page.getByRole('button', { name: 'Expand', exact: true }).click();
    await page.waitForFunction(() => window.__cy.nodes().length > 2);
    await page.waitForFunction(() => !document.querySelector('[data-testid=busy]'));
    assert.ok((await cyCount(page, 'edge')) >= 2, 'edges drawn');
    // Undo takes the expansion back, redo restores it.
    const n = await cyCount(page, 'node');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForFunction(() => window.__cy.nodes().length === 1);
    await page.getByRole('button', { name: 'Redo' }).click();
    await page.waitForFunction((k) => window.__cy.nodes().length === k, n);
    // Group two nodes in a named box, then take it back.
    await page.evaluate(() => { const ns = window.__cy.nodes(); ns.unselect(); ns[0].select(); ns[1].select(); });
    page.once('dialog', (d) => d.accept('Suspects'));
    await page.getByRole('button', { name: 'Group', exact: true }).click();
    await page.waitForFunction(() => window.__cy.nodes('.box').length === 1 && window.__cy.nodes('.box').children().length === 2);
    assert.equal(await page.evaluate(() => window.__cy.nodes('.box').data('label')), 'Suspects');
    await shot('04-expanded');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForFunction(() => window.__cy.nodes('.box').length === 0);
    await page.evaluate((id) => { window.__cy.nodes().unselect(); window.__cy.getElementById(id).select(); }, subject.id);
    await page.getByTestId('entity-panel').locator('h2', { hasText: subject.caption }).waitFor();
  });

  it('shows the risk breakdown and puts a signal\'s evidence on the canvas', async () => {
    await page.getByRole('tab', { name: 'Risk' }).click();
    const risk = page.getByTestId('risk');
    await risk.getByRole('table', { name: 'Risk breakdown' }).waitFor();
    assert.ok((await risk.getByRole('table', { name: 'Risk breakdown' }).locator('tbody tr').count()) >= 2);
    const before = await cyCount(page, 'node');
    await risk.getByRole('button', { name: /Show the evidence/ }).first().click();
    await page.waitForFunction((k) => window.__cy.nodes().length > k && window.__cy.$('.hl').length > 0, before);
    await shot('05-risk-evidence');
  });

  it('follows the money between two accounts', async () => {
    // Put both accounts on the canvas through search, by account number.
    for (const id of trail) {
      const cap = (await gql(`query($id: ID!) { node(id: $id) { caption } }`, { id })).node.caption;
      await page.getByLabel('Search').fill(cap);
      const hit = page.locator(`[role=option][data-id="${id}"]`);
      await hit.waitFor();
      await hit.click();
      await page.waitForFunction((x) => window.__cy.getElementById(x).nonempty(), id);
    }
    await page.getByRole('button', { name: 'Follow the money' }).click();
    const money = page.getByTestId('money-panel');
    await money.getByLabel('From').selectOption(trail[0]);
    await money.getByLabel('To').selectOption(trail[1]);
    await money.getByLabel('Kind').selectOption('MONEY_TRAIL');
    await money.getByRole('button', { name: 'Find paths' }).click();
    const paths = money.getByRole('list', { name: 'Paths' });
    await paths.waitFor();
    const text = await paths.textContent();
    assert.match(text, /[A-Z]{3} [\d,]+\.\d\d/, 'amounts along the path');
    assert.match(text, /on \d{4}-\d\d-\d\d/, 'dates along the path');
    assert.ok((await cyCount(page, 'edge.hl')) >= 1, 'the path is highlighted');
    await shot('06-money-trail');
  });

  it('exports the canvas as PNG and the graph as JSON and GraphML', async () => {
    for (const [value, name] of [['png', 'crosslink-graph.png'], ['json', 'crosslink-graph.json'], ['graphml', 'crosslink-graph.graphml']]) {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByLabel('Export').selectOption(value)]);
      assert.equal(dl.suggestedFilename(), name);
      const file = join(artifacts, name);
      await dl.saveAs(file);
      const body = readFileSync(file);
      if (value === 'png') assert.deepEqual([...body.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
      if (value === 'json') assert.ok(JSON.parse(body.toString()).nodes.length >= 3);
      if (value === 'graphml') assert.match(body.toString(), /<graphml[\s\S]*<node id=/);
    }
  });

  it('opens an alert from the queue on the canvas', async () => {
    await page.getByRole('tab', { name: 'Alerts' }).click();
    const queue = page.getByRole('table', { name: 'Alert queue' });
    await queue.locator('tbody tr').first().waitFor();
    assert.ok((await queue.locator('tbody tr').count()) >= 1);
    await shot('07-alerts');
    await queue.locator('tbody tr').first().getByRole('button', { name: 'Open on canvas' }).click();
    await page.getByTestId('canvas').waitFor({ state: 'visible' });
    await page.waitForFunction(() => window.__cy.$('node.hl').length >= 1);
    await page.getByTestId('entity-panel').waitFor();
    await shot('08-alert-on-canvas');
  });

  it('finds communities around the canvas and colours it, and ranks central nodes', async () => {
    await page.getByRole('tab', { name: 'Explore' }).click();
    await page.getByRole('button', { name: 'Communities' }).click();
    const panel = page.getByTestId('communities-panel');
    await panel.getByLabel('Scope').selectOption('CANVAS');
    await panel.getByLabel('Algorithm').selectOption('LOUVAIN');
    await panel.getByRole('button', { name: 'Find communities' }).click();
    const table = panel.getByRole('table', { name: 'Communities' });
    await table.waitFor();
    assert.ok((await table.locator('tbody tr').count()) >= 1, 'at least one community');
    assert.match(await panel.textContent(), /modularity \d\.\d{3}/);
    // Members on the canvas take their community's colour.
    const coloured = await page.evaluate(() => window.__cy.nodes().filter((n) => ['#e6194b', '#3cb44b', '#4363d8', '#f58231'].includes(n.data('color'))).length);
    assert.ok(coloured >= 1, 'nodes coloured by community');
    await panel.getByLabel('Centrality').selectOption('PAGERANK');
    await panel.getByRole('button', { name: 'Rank' }).click();
    await panel.getByRole('list', { name: 'Most central' }).locator('li').first().waitFor();
    await shot('09-communities');
  });

  it('builds a case: entities, a note, the current view, the history and a printable report', async () => {
    const title = `E2E case ${Date.now()}`;
    await page.getByRole('tab', { name: 'Cases' }).click();
    const cases = page.getByTestId('cases');
    await cases.getByLabel('New case title').fill(title);
    await cases.getByRole('button', { name: 'Create' }).click();
    await cases.locator('h2', { hasText: title }).waitFor();
    // Back on the canvas: select the subject and add it to the open case.
    await page.getByRole('tab', { name: 'Explore' }).click();
    await page.evaluate((id) => { window.__cy.nodes().unselect(); window.__cy.getElementById(id).select(); }, subject.id);
    await page.getByRole('button', { name: 'Add to case' }).click();
    await page.getByRole('status').filter({ hasText: 'Added 1 to case' }).waitFor();
    await page.getByRole('tab', { name: 'Cases' }).click();
    await cases.getByRole('list', { name: 'Case entities' }).getByText(subject.caption).waitFor();
    await cases.getByLabel('Note', { exact: true }).fill('Pays a reported account; see the money trail.');
    await cases.getByRole('button', { name: 'Add note' }).click();
    await cases.getByRole('list', { name: 'Case notes' }).getByText('Pays a reported account').waitFor();
    await cases.getByLabel('View name').fill('money trail');
    await cases.getByRole('button', { name: 'Save the current view' }).click();
    await cases.getByRole('list', { name: 'Saved views' }).getByRole('button', { name: 'money trail' }).waitFor();
    const history = await cases.getByRole('table', { name: 'Case history' }).textContent();
    for (const action of ['created', 'added', 'note', 'view']) assert.match(history, new RegExp(action), `history has ${action}`);
    await shot('10-case');
    const [dl] = await Promise.all([page.waitForEvent('download'), cases.getByRole('button', { name: 'Download report' }).click()]);
    const file = join(artifacts, 'case-report.html');
    await dl.saveAs(file);
    const html = readFileSync(file, 'utf8');
    assert.match(html, new RegExp(title));
    assert.match(html, /data:image\/png;base64,/, 'the canvas in the report');
    assert.match(html, /Pays a reported account/);
    // The saved view opens on the canvas with its nodes.
    const n = await cyCount(page, 'node');
    await cases.getByRole('list', { name: 'Saved views' }).getByRole('button', { name: 'money trail' }).click();
    await page.waitForFunction((k) => window.__cy.nodes().length === k, n);
  });

  it('shows a partner key no risk, alerts, cases or communities', { skip: !process.env.CROSSLINK_UI_PARTNER_KEY && 'CROSSLINK_UI_PARTNER_KEY not set' }, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const p = await ctx.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(url);
    await p.fill('#apikey', process.env.CROSSLINK_UI_PARTNER_KEY);
    await p.click('button[type=submit]');
    await p.getByTestId('who').waitFor();
    assert.match(await p.getByTestId('who').textContent(), /partner \(demo-bank\)/);
    assert.equal(await p.getByRole('tab', { name: 'Alerts' }).count(), 0);
    assert.equal(await p.getByRole('tab', { name: 'Cases' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: 'Communities' }).count(), 0);
    // The bank's own customer is found, without a risk badge (detection joins every partner's data).
    await p.getByLabel('Search').fill(subject.caption);
    const hit = p.locator(`[role=option][data-id="${subject.id}"]`);
    await hit.waitFor();
    assert.doesNotMatch(await hit.textContent(), /risk/);
    await hit.click();
    await p.getByTestId('entity-panel').waitFor();
    assert.equal(await p.getByRole('tab', { name: 'Risk' }).count(), 0);
    await p.screenshot({ path: join(artifacts, '11-partner.png') });
    await ctx.close();
  });

  it('raised no error in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
