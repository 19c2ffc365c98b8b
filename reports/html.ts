import { writeWhole } from '../harness/files/disk.js';
import { join } from 'node:path';
import type { RunResults } from '../harness/results/types.js';
import { CHARTS } from './charts/charts.js';
import { environmentFacts, summaryNotes, summaryTables, type SummaryTable } from './summary.js';
import { gapNotes, GAP_TITLE } from './model-gap.js';
import { handout } from './handout.js';
import { sideTables, type SideTable } from './side-tables.js';
import { startedDeployments } from './deployments.js';
import { runWarnings } from './warnings.js';
import type { ReportWriter } from './writer.js';
import { isTitle, runTitle } from './title.js';

const FILE = 'report.html';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every string from the results (labels, failure reasons) goes through this: they are data, not markup. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

// System fonts only: the report must open offline, from an attachment or a CI artifact.
const STYLE = `
  body { margin: 0; background: #f6f7f9; color: #1d2330; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 48px; }
  h1 { margin: 0 0 4px; font-size: 26px; }
  h2 { margin: 32px 0 12px; font-size: 19px; }
  .description { margin: 0; color: #4a5263; font-size: 16px; }
  .meta { margin: 4px 0 0; color: #6b7385; font-size: 13px; }
  /* Command lines wrap where they must; a config file keeps its lines and scrolls in its own box. */
  .started pre { margin: 4px 0 8px; padding: 8px 10px; background: #fff; border: 1px solid #dde1e8; border-radius: 6px; overflow-x: auto; font-size: 13px; }
  .started > li > pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .box { margin: 20px 0 0; padding: 14px 18px; border-radius: 6px; border-left: 5px solid; }
  .box h2 { margin: 0 0 6px; font-size: 15px; text-transform: uppercase; letter-spacing: 0.04em; }
  .box p { margin: 0; }
  .box ul { margin: 0; padding-left: 20px; }
  .notice { background: #e8f1fb; border-color: #1f77b4; font-size: 16px; }
  .warnings { background: #fff6e0; border-color: #e0a100; }
  .table-wrap { overflow-x: auto; background: #fff; border: 1px solid #dde1e8; border-radius: 6px; }
  table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
  /* A table fits the page: cells wrap (a label at its spaces, a path after / ? & =, a figure before its min–max) rather than scroll. */
  th, td { padding: 6px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid #eceff3; }
  td.num, .spread { white-space: nowrap; }
  td.num:has(.spread) { white-space: normal; }
  th { background: #eef1f5; font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tbody tr:nth-child(even) { background: #fafbfc; }
  tr.flagged td { background: #fff6e0; }
  .note { color: #6b7385; font-size: 13px; margin: 6px 0 0; }
  figure { margin: 0 0 24px; background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 8px; }
  figure img { display: block; width: 100%; height: auto; }
  figcaption { color: #4a5263; font-size: 13.5px; padding: 6px 4px 0; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 12px 16px; }
  dl.facts dt { color: #6b7385; }
  dl.facts dd { margin: 0; }
  .handout p { margin: 0 0 8px; max-width: 72em; }
  .handout .lead { font-size: 17px; }
  .handout .reading { margin: 0 0 12px; padding-left: 20px; max-width: 72em; }
  .handout table { font-size: 15px; }
`;

function header(run: RunResults): string {
  const status = run.complete ? '' : ' · <strong>incomplete</strong>';
  return `<header>
<h1>bench: ${escapeHtml(runTitle(run))}</h1>
${run.description && !isTitle(run, run.description) ? `<p class="description">${escapeHtml(run.description)}</p>` : ''}
<p class="meta">started ${escapeHtml(run.startedAt)}${status}</p>
</header>`;
}

function notice(run: RunResults): string {
  if (!run.notice) return '';
  return `<section class="box notice"><h2>What to notice</h2><p>${escapeHtml(run.notice)}</p></section>`;
}

function warnings(run: RunResults): string {
  const items = runWarnings(run);
  if (items.length === 0) return '';
  return `<section class="box warnings"><h2>Warnings</h2><ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul></section>`;
}

/** A cell's text with where it may break: after a path's separators, or before a figure's min–max across repeats. */
function breakable(text: string, numeric: boolean): string {
  const html = escapeHtml(text);
  if (!numeric) return html.replace(/(?<=.)([/?=]|&amp;)(?=.)/g, '$1<wbr>');
  const spread = html.indexOf(' (');
  return spread < 0 ? html : `${html.slice(0, spread)} <span class="spread">${html.slice(spread + 1)}</span>`;
}

function htmlTable(table: SummaryTable): string {
  const cell = (tag: 'th' | 'td', text: string, column: number) =>
    `<${tag}${table.numeric[column] ? ' class="num"' : ''}>${tag === 'th' ? escapeHtml(text) : breakable(text, table.numeric[column] ?? false)}</${tag}>`;
  const head = `<tr>${table.headers.map((text, i) => cell('th', text, i)).join('')}</tr>`;
  const body = table.rows
    .map((row) => `<tr${row.flagged ? ' class="flagged"' : ''}>${row.cells.map((text, i) => cell('td', text, i)).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>`;
}

const notes = (texts: string[]) => texts.map((note) => `<p class="note">${escapeHtml(note)}</p>`).join('');

/** A `bench serve` session's steps in order, first: the page a class takes away. */
function handoutSection(run: RunResults): string {
  const sheet = handout(run);
  if (!sheet) return '';
  const [lead, ...reading] = sheet.intro;
  const guide = reading.map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  return `<section class="handout"><h2>${escapeHtml(sheet.title)}</h2><p class="lead">${escapeHtml(lead ?? '')}</p><ul class="reading">${guide}</ul>${htmlTable(sheet.table)}</section>`;
}

function summary(run: RunResults): string {
  if (run.results.length === 0) return '<h2>Summary</h2><p>Nothing measured.</p>';
  const [points, ...others] = summaryTables(run);
  const rest = others.map((table) => `<h3>${escapeHtml(table.title ?? '')}</h3>${htmlTable(table)}`).join('');
  return `<h2>Summary</h2>${htmlTable(points!)}${notes(summaryNotes(run))}${gaps(run)}${rest}${sideTables(run).map(sideTable).join('')}`;
}

function gaps(run: RunResults): string {
  const items = gapNotes(run);
  if (items.length === 0) return '';
  return `<h3>${escapeHtml(GAP_TITLE)}</h3><ul class="gaps">${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
}

function sideTable(side: SideTable): string {
  return `<h3>${escapeHtml(side.title)}</h3>${htmlTable({ ...side, rows: side.rows.map((cells) => ({ cells, flagged: false })) })}${notes(side.footnotes)}`;
}

async function charts(run: RunResults): Promise<string> {
  const rendered = await Promise.all(CHARTS.map(async (chart) => ({ chart, png: await chart.render(run) })));
  const figures = rendered.flatMap(({ chart, png }) =>
    png === null
      ? []
      : [
          `<figure><img src="data:image/png;base64,${png.toString('base64')}" alt="${escapeHtml(chart.caption)}">` +
            `<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`,
        ],
  );
  return `<h2>Charts</h2>\n${figures.join('\n')}`;
}

function started(run: RunResults): string {
  const items = startedDeployments(run).map(
    (d) =>
      `<li><strong>${escapeHtml(d.deployment)}</strong><pre><code>${escapeHtml(d.command)}</code></pre>` +
      (d.nginxConfig ? `<details><summary>nginx.conf</summary><pre><code>${escapeHtml(d.nginxConfig)}</code></pre></details>` : '') +
      (d.apacheConfig ? `<details><summary>httpd.conf</summary><pre><code>${escapeHtml(d.apacheConfig)}</code></pre></details>` : '') +
      (d.managerConfig ? `<details><summary>${escapeHtml(d.managerConfig.name)}</summary><pre><code>${escapeHtml(d.managerConfig.text)}</code></pre></details>` : '') +
      '</li>',
  );
  return items.length === 0 ? '' : `<h2>How each deployment was started</h2><ul class="started">${items.join('')}</ul>`;
}

function environment(run: RunResults): string {
  const rows = environmentFacts(run).map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`);
  return `<h2>Environment</h2><dl class="facts">${rows.join('')}</dl>`;
}

/** The whole run as one page that opens anywhere offline: charts inline, styles inline, no scripts. */
async function renderHtml(run: RunResults): Promise<string> {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bench: ${escapeHtml(runTitle(run))}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${header(run)}
${handoutSection(run)}
${notice(run)}
${warnings(run)}
${summary(run)}
${await charts(run)}
${started(run)}
${environment(run)}
</main>
</body>
</html>
`;
}

export const htmlReport: ReportWriter = {
  name: 'HTML report',
  files: [FILE],
  async write(run, outDir) {
    const path = join(outDir, FILE);
    await writeWhole(path, await renderHtml(run));
    return [path];
  },
};
