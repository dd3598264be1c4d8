// The printable case report: a standalone HTML page (opened in a new tab, where the browser's
// print dialog makes the PDF) with the case, its entities, alerts, notes, history and the canvas.
import { formatTime } from './model';
import type { CaseQuery } from './gql/graphql';

const esc = (s: unknown) => String(s ?? '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);

export function reportHTML(c: CaseQuery['case'], canvasDataURL: string | null): string {
  const rows = (cells: unknown[][]) => cells.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Case report: ${esc(c.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#111}h1{margin:0 0 4px}table{border-collapse:collapse;width:100%;font-size:12px;margin-bottom:16px}
td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}.muted{color:#555;font-size:12px}img{max-width:100%;border:1px solid #ddd}
@media print{.noprint{display:none}}</style></head><body>
<p class="muted noprint">Print this page (Ctrl+P) to save it as a PDF.</p>
<h1>${esc(c.title)}</h1>
<p class="muted">Case ${esc(c.id)} · ${esc(c.status.toLowerCase())} · opened by ${esc(c.createdBy)} on ${esc(formatTime(c.createdAt))} · report made ${esc(formatTime(new Date().toISOString()))}</p>
${c.description ? `<p>${esc(c.description)}</p>` : ''}
${canvasDataURL ? `<h2>The graph</h2><img alt="The canvas" src="${canvasDataURL}">` : ''}
<h2>Entities (${c.entities.length})</h2><table><tr><th>name</th><th>type</th><th>id</th></tr>${rows(c.entities.filter(Boolean).map((n) => [n!.caption, n!.type.toLowerCase(), n!.id]))}</table>
<h2>Alerts (${c.alerts.length})</h2><table><tr><th>subject</th><th>risk</th><th>status</th><th>why</th></tr>${rows(c.alerts.map((a) => [a.subject?.caption ?? a.id, a.risk.toFixed(2), a.status.toLowerCase(), a.reason]))}</table>
<h2>Notes</h2><table>${rows(c.notes.map((n) => [formatTime(n.at), n.by, n.text]))}</table>
<h2>History</h2><table>${rows(c.history.map((h) => [formatTime(h.at), h.by, h.action.toLowerCase(), h.detail ?? '']))}</table>
<p class="muted">Crosslink stores metadata and hashes only: no images, video or file contents are part of this report.</p>
</body></html>`;
}

function dataURL(png: Blob | null): Promise<string | null> {
  if (!png) return Promise.resolve(null);
  return new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => resolve(null);
    r.readAsDataURL(png);
  });
}

/** Opens the report in a new tab, ready to print. */
export async function openReport(c: CaseQuery['case'], png: Blob | null): Promise<void> {
  const w = window.open('', '_blank');
  if (!w) return;
  const html = reportHTML(c, await dataURL(png));
  w.document.open();
  w.document.write(html);
  w.document.close();
}

/** The report as an HTML file to keep or send. */
export async function reportFile(c: CaseQuery['case'], png: Blob | null): Promise<string> {
  return reportHTML(c, await dataURL(png));
}
