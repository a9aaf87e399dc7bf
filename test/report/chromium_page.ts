/** A test-only Chromium page, for checking HTML and SVG the way a browser reads them. */
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { chromiumAvailable } from 'saplab';
import { CHROMIUM_ARGS, chromiumPath } from '../../lib/report/browser';
import { systemComponent } from '../helpers';

/** Whether Chromium is here; prints why tests are skipped when not (fails under SAPLAB_REQUIRE_SYSTEM=1). */
export function haveChromium(): boolean {
  return systemComponent('chromium', () => chromiumAvailable());
}

export async function openBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true, timeout: 90_000 });
}

/** Loads `url` and waits until `count` Plotly graphs are drawn (or times out). */
export async function loadAndWaitForPlots(page: Page, url: string, count: number): Promise<void> {
  await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForFunction(`document.querySelectorAll('.main-svg').length >= ${count}`, undefined, { timeout: 60_000 });
}
