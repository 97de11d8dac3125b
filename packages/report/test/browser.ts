import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

/** The system Chromium: MATHTUNE_CHROMIUM, else Debian's /usr/bin/chromium (scripts/test.sh installs it). */
export function chromiumPath(): string {
  const p = process.env.MATHTUNE_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(p))
    throw new Error(
      `no Chromium at ${p}: install Debian's chromium (apt-get install -y chromium, as scripts/test.sh does) or set MATHTUNE_CHROMIUM`,
    );
  return p;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
}

export interface Opened {
  page: Page;
  /** Console errors, page errors and failed requests seen while loading. */
  errors: string[];
  /** Requests to anything but the file itself and data: URLs (a self-contained page makes none). */
  external: string[];
}

/** Opens an HTML file from the file system, with network requests refused. */
export async function open(browser: Browser, file: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1500 } });
  const errors: string[] = [];
  const external: string[] = [];
  const url = pathToFileURL(file).href;
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u === url || u.startsWith("data:")) return route.continue();
    external.push(u);
    return route.abort();
  });
  await page.goto(url, { waitUntil: "load" });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  return { page, errors, external };
}

/** Per chart: its name and how many drawn marks (Vega's graphics-symbol elements) it holds. */
export async function chartMarks(page: Page): Promise<Record<string, number>> {
  return page.$$eval("figure.chart", (figs) =>
    Object.fromEntries(
      figs.map((f) => [
        f.getAttribute("data-chart") ?? "?",
        f.querySelectorAll("svg g.role-mark path, svg g.role-mark line, svg g.role-mark rect").length,
      ]),
    ),
  );
}

/** The numbers shown with a `data-k` key. */
export async function shownNumbers(page: Page): Promise<Record<string, number>> {
  return page.$$eval("[data-k]", (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute("data-k")!, Number(e.textContent)])),
  );
}

/** Per chart, the aria-labels of its marks ("count: 8; split: train"). */
export async function markLabels(page: Page, chart: string): Promise<string[]> {
  return page.$$eval(`figure.chart[data-chart="${chart}"] svg [role="graphics-symbol"][aria-label]`, (els) =>
    els.map((e) => e.getAttribute("aria-label")!),
  );
}
