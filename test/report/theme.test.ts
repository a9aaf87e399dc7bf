import { describe, expect, it } from 'vitest';
import { DEFENSE_COLORS, OKABE_ITO, THEME } from 'saplab';
import { defenseColor, themeColor, themedLayout, withAlpha } from '../../lib/report/theme';

describe('theme', () => {
  it('uses the eight Okabe–Ito colours', () => {
    expect(new Set(THEME.colors)).toEqual(new Set(Object.values(OKABE_ITO)));
    expect(themeColor(0)).toBe(OKABE_ITO.blue);
    expect(themeColor(THEME.colors.length)).toBe(themeColor(0));
  });

  it('converts colours to rgba', () => {
    expect(withAlpha('#0072B2', 0.2)).toBe('rgba(0, 114, 178, 0.2)');
    expect(() => withAlpha('blue', 1)).toThrow(/#RRGGBB/);
  });

  it('applies under a layout without overriding it', () => {
    const l = themedLayout({ title: 'Hi', xaxis: { range: [0, 1], showgrid: false }, yaxis2: {}, margin: { t: 10 }, width: 300 });
    expect(l.title).toMatchObject({ text: 'Hi' });
    expect(l.colorway).toEqual(THEME.colors);
    expect(l.font).toMatchObject({ family: THEME.font.family });
    expect(l.xaxis).toMatchObject({ range: [0, 1], showgrid: false, gridcolor: THEME.gridColor });
    expect(l.yaxis2).toMatchObject({ gridcolor: THEME.gridColor });
    expect(l.margin).toMatchObject({ t: 10, l: 64 });
    expect(l.width).toBe(300);
  });

  it('gives each defense one colour by name, stable across calls', () => {
    expect(defenseColor('dense')).toBe(OKABE_ITO.black);
    expect(defenseColor('SAP-100')).toBe(OKABE_ITO.vermillion);
    expect(defenseColor('random-100')).toBe(OKABE_ITO.blue);
    // The named presets' defenses have distinct colours.
    const named = ['dense', 'SAP-10', 'SAP-50', 'SAP-100', 'SAP-200', 'random-100'];
    expect(new Set(named.map(defenseColor)).size).toBe(named.length);
    for (const c of Object.values(DEFENSE_COLORS)) expect(THEME.colors).toContain(c);
    // Unknown names: a palette colour (never the undefended model's black), the same every time.
    for (const name of ['gaussian-0.1', 'dropout-50', 'adv-trained', 'x']) {
      const c = defenseColor(name);
      expect(THEME.colors).toContain(c);
      expect(c).not.toBe(OKABE_ITO.black);
      expect(defenseColor(name)).toBe(c);
    }
    expect(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(defenseColor)).size).toBeGreaterThan(1);
    // Labels built on a defense name keep its colour; a longer name is not mistaken for a shorter one.
    expect(defenseColor('SAP-100 · every attack')).toBe(OKABE_ITO.vermillion);
    expect(defenseColor('SAP-10 (r/N = 0.1)')).toBe(OKABE_ITO.reddishPurple);
    expect(defenseColor('dense, clean')).toBe(OKABE_ITO.black);
    expect(defenseColor('dense-ish')).toBe(OKABE_ITO.black);
    expect(defenseColor('SAP-1000')).not.toBe(OKABE_ITO.reddishPurple);
  });
});
