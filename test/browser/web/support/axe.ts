import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../../../support/process.ts';

/**
 * axe-core scans of the pages a test visits. The pages' CSP forbids inline script (as it should), so axe
 * never runs in the test's own context: each scan replays the HTML the person's page holds right now, at
 * its own URL, in a separate context created with `bypassCSP` — the page's stylesheet and images still
 * come from the server, so contrast is judged on what people see. What a POST answered (a 422, a 412) is
 * scanned as faithfully as a GET.
 */

const AXE_SOURCE = join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const BLOCKING = new Set(['serious', 'critical']);

interface AxeNode {
  readonly target: unknown[];
  readonly html: string;
  readonly failureSummary?: string;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly helpUrl: string;
  readonly nodes: AxeNode[];
}

export interface PageFinding {
  /** What the test called the page ("fill in, with errors"). */
  readonly page: string;
  readonly url: string;
  readonly violations: readonly AxeViolation[];
}

export interface Auditor {
  /** Scans what `page` shows now; serious and critical violations are kept for `report()`. */
  scan(page: Page, name: string): Promise<void>;
  /** Scans what `page` shows now and answers its serious and critical violations, keeping nothing. */
  inspect(page: Page): Promise<AxeViolation[]>;
  /** Names of every page scanned, in order. */
  readonly scanned: string[];
  /** The findings as text a person can act on; empty when there is nothing serious. */
  report(): string;
  close(): Promise<void>;
}

export async function auditor(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Auditor> {
  const axe = await readFile(AXE_SOURCE, 'utf8');
  const context: BrowserContext = await browser.newContext({ bypassCSP: true, viewport, javaScriptEnabled: true });
  const scanPage = await context.newPage();
  const findings: PageFinding[] = [];
  const scanned: string[] = [];

  async function inspect(page: Page): Promise<AxeViolation[]> {
    const url = page.url();
    const html = await page.content();
    const target = url.split('#')[0]!;
    // Only the navigation itself is replayed; the stylesheet and everything else load from the server.
    const matches = (u: URL) => u.href === target;
    await scanPage.route(matches, (route) =>
      route.request().isNavigationRequest() ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }) : route.continue(),
    );
    try {
      await scanPage.goto(target, { waitUntil: 'load', timeout: 15_000 });
      await scanPage.addScriptTag({ content: axe });
      const violations = (await scanPage.evaluate(async () => {
        const run = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe.run;
        const doc = (globalThis as unknown as { document: unknown }).document;
        return (await run(doc, { resultTypes: ['violations'] })).violations;
      })) as AxeViolation[];
      return violations.filter((v) => v.impact !== null && BLOCKING.has(v.impact));
    } finally {
      await scanPage.unroute(matches);
    }
  }

  return {
    scanned,
    inspect,
    async scan(page, name) {
      const blocking = await inspect(page);
      scanned.push(name);
      if (blocking.length > 0) findings.push({ page: name, url: page.url(), violations: blocking });
    },
    report: () => findings.map(describeFinding).join('\n\n'),
    close: () => context.close(),
  };
}

function describeFinding(finding: PageFinding): string {
  const lines = [`${finding.page} (${finding.url}):`];
  for (const v of finding.violations) {
    lines.push(`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes.slice(0, 5)) {
      lines.push(`    at ${node.target.map(String).join(' ')}: ${node.html.slice(0, 200)}`);
      if (node.failureSummary) lines.push(`      ${node.failureSummary.replace(/\n/g, '\n      ')}`);
    }
    if (v.nodes.length > 5) lines.push(`    … and ${v.nodes.length - 5} more`);
  }
  return lines.join('\n');
}
