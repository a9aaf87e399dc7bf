import { afterAll, describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, closeBrowser, learningCurvesFigure, renderFigure } from 'saplab';
import { browserStats, chromiumPath, findChromium } from '../../lib/report/browser';
import { haveChromium } from './chromium_page';
import { decodePng, nonWhitePixels } from './png';

const fig = learningCurvesFigure({ a: [1, 3, 2] }, { width: 400, height: 250 });

function withEnv<T>(value: string | undefined, fn: () => T): T {
  const old = process.env.SAPLAB_CHROMIUM;
  if (value === undefined) delete process.env.SAPLAB_CHROMIUM;
  else process.env.SAPLAB_CHROMIUM = value;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env.SAPLAB_CHROMIUM;
    else process.env.SAPLAB_CHROMIUM = old;
  }
}

describe('finding a browser', () => {
  it('honours SAPLAB_CHROMIUM and explains how to install a browser', () => {
    expect(withEnv('/nonexistent/chromium', () => findChromium())).toBe('/nonexistent/chromium');
    const err = withEnv('/nonexistent/chromium', () => {
      try {
        chromiumPath();
      } catch (e) {
        return e as Error;
      }
      return undefined;
    });
    expect(err).toBeInstanceOf(ChromiumNotFoundError);
    expect(err!.message).toMatch(/SAPLAB_CHROMIUM=\/nonexistent\/chromium is not an executable file/);
    expect(err!.message).toMatch(/sudo apt-get install chromium/);
  });

  it('fails clearly without a browser, before launching anything', async () => {
    const old = process.env.SAPLAB_CHROMIUM;
    process.env.SAPLAB_CHROMIUM = '/nonexistent/chromium';
    try {
      await expect(renderFigure(fig, { format: 'png' })).rejects.toThrow(/install one .*sudo apt-get install chromium.*SAPLAB_CHROMIUM/s);
    } finally {
      if (old === undefined) delete process.env.SAPLAB_CHROMIUM;
      else process.env.SAPLAB_CHROMIUM = old;
    }
  });

  it('checks its options', async () => {
    await expect(renderFigure(fig, { format: 'gif' as never })).rejects.toThrow(/unknown format "gif"/);
    await expect(renderFigure(fig, { format: 'png', scale: 0 })).rejects.toThrow(/scale must be in \(0, 10\]/);
    await expect(renderFigure(fig, { format: 'png', width: 5 })).rejects.toThrow(/width must be between 10 and 10000/);
  });
});

const chromiumHere = haveChromium();

describe.skipIf(!chromiumHere)('rendering in Chromium', () => {
  afterAll(async () => {
    await closeBrowser();
  });

  it('renders several figures with one browser, then closes it when idle', async () => {
    const before = browserStats();
    const [a, b] = await Promise.all([
      renderFigure(fig, { format: 'png', idleMs: 300 }),
      renderFigure(fig, { format: 'png', scale: 2, idleMs: 300 }),
    ]);
    const c = await renderFigure(fig, { format: 'svg', idleMs: 300 });
    const after = browserStats();
    expect(after.launches - before.launches).toBe(1);
    expect(after.renders - before.renders).toBe(3);
    expect(decodePng(a)).toMatchObject({ width: 400, height: 250 });
    expect(decodePng(b)).toMatchObject({ width: 800, height: 500 });
    expect(nonWhitePixels(decodePng(a))).toBeGreaterThan(500);
    expect(c.toString('utf8')).toMatch(/^<svg/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(browserStats().open).toBe(false);
    // The next render starts a new browser.
    await renderFigure(fig, { format: 'png', idleMs: 300 });
    expect(browserStats().launches - before.launches).toBe(2);
  });
});
