import type { RunResults } from '../harness/results/types.js';

/** Chart titles are one line on a 1200 px canvas: the scenario's part keeps to this many characters. */
const CHART_TITLE_CHARS = 60;

/** On one line: a description may be a folded YAML block. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** What a report calls the run's scenario: its title (a description, a folder's name), or its name in runs from before titles. */
export function runTitle(run: RunResults): string {
  return oneLine(run.title ?? run.scenario);
}

/** Whether `text` (the description) is the title already, and need not be repeated under it. */
export function isTitle(run: RunResults, text: string): boolean {
  return oneLine(text) === runTitle(run);
}

/** The title, cut at a word with "…" where it would not fit a chart's title line. */
export function chartScenario(run: RunResults): string {
  const title = runTitle(run);
  if (title.length <= CHART_TITLE_CHARS) return title;
  const cut = title.slice(0, CHART_TITLE_CHARS - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > CHART_TITLE_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}
