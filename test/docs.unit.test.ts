import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverKinds } from '../harness/deployments/kinds.js';

const pages = ['README.md', ...readdirSync('docs', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))].sort();
const text = new Map(pages.map((page) => [page, readFileSync(page, 'utf8')]));

/** GitHub's anchor for a heading: lower case, punctuation dropped but - and _, spaces to -. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
}

function headings(page: string): Set<string> {
  const prose = text.get(page)!.replace(/```[\s\S]*?```/g, '');
  return new Set([...prose.matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!)));
}

/** Every relative link and image of a page, as [target file, anchor]. */
function links(page: string): { link: string; file: string; anchor: string }[] {
  return [...text.get(page)!.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((link) => !/^[a-z]+:/.test(link))
    .map((link) => {
      const [path, anchor = ''] = link.split('#') as [string, string?];
      return { link, file: path ? relative('.', resolve(dirname(page), path)) : page, anchor };
    });
}

describe('the README and the docs/ pages', () => {
  it('link only to files that exist, and to headings those files have', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const { link, file, anchor } of links(page)) {
        if (!existsSync(file)) broken.push(`${page}: ${link} (no file ${file})`);
        else if (anchor && file.endsWith('.md') && !headings(file).has(anchor)) broken.push(`${page}: ${link} (no heading #${anchor} in ${file})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keep the README a front door of at most 220 lines that links every docs/ page', () => {
    const readme = text.get('README.md')!;
    expect(readme.split('\n').length).toBeLessThanOrEqual(220);
    const linked = new Set(links('README.md').map((l) => l.file));
    expect(pages.filter((page) => page !== 'README.md' && !linked.has(page))).toEqual([]);
  });

  it('show every chart in docs/ on some page, and each is one that npm run docs:figures draws again', () => {
    const figures = readFileSync('scripts/readme-figures.sh', 'utf8');
    const shown = new Set(pages.flatMap((page) => links(page).map((l) => l.file)));
    for (const png of readdirSync('docs').filter((f) => f.endsWith('.png'))) {
      expect(shown.has(join('docs', png)), `docs/${png} is on no page`).toBe(true);
      expect(figures, `scripts/readme-figures.sh does not draw docs/${png}`).toMatch(new RegExp(`[: ]${png.replace('.', '\\.')}\\b`));
    }
  });

  it('list every built-in scenario in the scenarios page and every deployment kind in the deployments page', () => {
    const scenarios = text.get(join('docs', 'scenarios.md'))!;
    for (const file of readdirSync('scenarios').filter((f) => f.endsWith('.yaml'))) expect(scenarios).toContain(`| \`${file.replace(/\.yaml$/, '')}\` |`);
    const deployments = text.get(join('docs', 'deployments.md'))!;
    for (const kind of serverKinds) expect(deployments).toContain(`| \`${kind.name}\` |`);
  });
});
