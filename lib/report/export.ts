/**
 * Writing figures to files, the format chosen by the extension: `.html` (self-contained and
 * offline, plotly.js inlined; needs no browser), `.png`, `.svg` and `.pdf` (rendered in headless
 * Chromium, see `renderFigure`). Files are written atomically.
 */
import * as path from 'path';
import * as zlib from 'zlib';
import { writeFileAtomic } from '../data/download';
import { renderFigure } from './browser';
import type { PlotlyFigure, PlotlyLayout } from './figure';
import { compactPng, withPngDpi } from './png';
import { checkFigure, figureDocument } from './html';

/** Extensions `exportFigure` understands. */
export const EXPORT_FORMATS = ['html', 'png', 'svg', 'pdf'] as const;
/** File formats `exportFigure` writes. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of `exportFigure`. */
export interface ExportOptions {
  /** Pixel density of PNG output: 2 writes `2·width × 2·height` pixels. Default 1. */
  scale?: number;
  /** Width in CSS pixels. Default `layout.width`, else 800 (HTML: as in the layout). */
  width?: number;
  /** Height in CSS pixels. Default `layout.height`, else 500 (HTML: as in the layout). */
  height?: number;
  /** Browser executable for PNG/SVG/PDF. Default `SAPLAB_CHROMIUM` or a system Chromium. */
  executablePath?: string;
  /** Milliseconds the shared browser stays open after the last render. Default 2000. */
  idleMs?: number;
  /** `<title>` of an HTML export. Default: the figure title. */
  title?: string;
}

/** The export format of a file name, from its extension (`.htm` counts as HTML). */
export function exportFormat(file: string): ExportFormat {
  const ext = path.extname(file).slice(1).toLowerCase();
  const format = ext === 'htm' ? 'html' : ext;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new Error(`exportFigure: cannot tell the format of ${file}; use one of ${EXPORT_FORMATS.map((f) => `.${f}`).join(', ')}`);
  }
  return format as ExportFormat;
}

/**
 * Writes `figure` to `file` (format from the extension) and returns the absolute path written.
 * `width`/`height` override the layout's size (HTML included); `scale` applies to PNG. Several
 * exports in a row share one browser. PNG/SVG/PDF throw `ChromiumNotFoundError` when no browser
 * is available; HTML always works.
 */
export async function exportFigure(figure: PlotlyFigure, file: string, options: ExportOptions = {}): Promise<string> {
  checkFigure(figure);
  const format = exportFormat(file);
  const out = path.resolve(file);
  if (format === 'html') {
    const sized =
      options.width !== undefined || options.height !== undefined
        ? { ...figure, layout: { ...figure.layout, ...(options.width !== undefined ? { width: options.width } : {}), ...(options.height !== undefined ? { height: options.height } : {}) } }
        : figure;
    writeFileAtomic(out, figureDocument(sized, { title: options.title }));
    return out;
  }
  const bytes = await renderFigure(figure, {
    format,
    width: options.width,
    height: options.height,
    scale: options.scale,
    executablePath: options.executablePath,
    idleMs: options.idleMs,
  });
  writeFileAtomic(out, bytes);
  return out;
}

/** CSS pixels per inch: the unit of Plotly layouts and of Chromium's PDF pages. */
const CSS_PX_PER_INCH = 96;

/** Widths of a journal figure, in inches: one column and two columns of a two-column paper. */
export const PAPER_WIDTHS = { column: 3.25, page: 6.75 } as const;

/** Options of `paperFigure` and `exportPaperFigure`. */
export interface PaperFigureOptions {
  /** Width in inches. Default 3.25 (one column; 6.75 spans two). */
  widthInches?: number;
  /** Height in inches. Default: the layout's aspect ratio clamped to [0.5, 0.8], else 0.62 × the width. */
  heightInches?: number;
  /** Base font size in points. Default 8 (titles and tick labels scale from it). */
  fontPt?: number;
  /** Keep the figure's title (captions usually replace it). Default `false`. */
  keepTitle?: boolean;
  /** Resolution of PNG output. Default 300 dpi. */
  dpi?: number;
  /** Browser executable. Default `SAPLAB_CHROMIUM` or a system Chromium. */
  executablePath?: string;
  /** Milliseconds the shared browser stays open after the last render. Default 2000. */
  idleMs?: number;
}

/** The size of a paper figure in CSS pixels and inches. */
export interface PaperSize {
  widthPx: number;
  heightPx: number;
  widthInches: number;
  heightInches: number;
}

/** Width and height of a paper figure (see `PaperFigureOptions`), checked. */
function paperSize(figure: PlotlyFigure, options: PaperFigureOptions = {}): PaperSize {
  const widthInches = options.widthInches ?? PAPER_WIDTHS.column;
  if (!Number.isFinite(widthInches) || widthInches < 1 || widthInches > 20) throw new Error(`paper figure: widthInches must be in [1, 20], got ${widthInches}`);
  const w = typeof figure.layout.width === 'number' ? figure.layout.width : undefined;
  const h = typeof figure.layout.height === 'number' ? figure.layout.height : undefined;
  const ratio = w && h ? Math.min(0.8, Math.max(0.5, h / w)) : 0.62;
  const heightInches = options.heightInches ?? Math.round(widthInches * ratio * 100) / 100;
  if (!Number.isFinite(heightInches) || heightInches < 0.5 || heightInches > 20) throw new Error(`paper figure: heightInches must be in [0.5, 20], got ${heightInches}`);
  return { widthInches, heightInches, widthPx: Math.round(widthInches * CSS_PX_PER_INCH), heightPx: Math.round(heightInches * CSS_PX_PER_INCH) };
}

/**
 * `figure` laid out for print at a physical size: the size in CSS pixels (96 per inch), fonts in
 * points (`fontPt`, default 8), tight margins, no title unless `keepTitle` (nor the title of a
 * single panel), a horizontal legend without title above the plot in fonts one point smaller. The colours stay the theme's Okabe–Ito palette, safe for colour-blind readers and
 * distinguishable in greyscale by the markers and dashes. A new figure; the input is unchanged.
 */
export function paperFigure(figure: PlotlyFigure, options: PaperFigureOptions = {}): PlotlyFigure {
  checkFigure(figure);
  const size = paperSize(figure, options);
  const fontPt = options.fontPt ?? 8;
  if (!Number.isFinite(fontPt) || fontPt < 4 || fontPt > 24) throw new Error(`paper figure: fontPt must be in [4, 24], got ${fontPt}`);
  const px = (pt: number) => Math.round(((pt * CSS_PX_PER_INCH) / 72) * 100) / 100;
  const layout: PlotlyLayout = JSON.parse(JSON.stringify(figure.layout)) as PlotlyLayout;
  layout.width = size.widthPx;
  layout.height = size.heightPx;
  layout.font = { ...((layout.font as object) ?? {}), size: px(fontPt) };
  layout.margin = { l: px(3.5 * fontPt), r: px(fontPt), t: px(options.keepTitle ? 3 * fontPt : fontPt), b: px(3.5 * fontPt) };
  // A horizontal legend above the plot: at a column's width a legend on the right eats the plot.
  // A single panel's title repeats the caption: dropped. Panel titles of several panels stay, so the
  // legend goes higher to clear them.
  if (layout.annotations && layout.annotations.length === 1) delete layout.annotations;
  layout.legend = { ...((layout.legend as object) ?? {}), title: { text: '' }, orientation: 'h', x: 0, xanchor: 'left', y: layout.annotations?.length ? 1.12 : 1.02, yanchor: 'bottom', font: { size: px(fontPt - 1) } };
  if (options.keepTitle) {
    if (layout.title) layout.title = { ...layout.title, font: { size: px(fontPt + 1) } };
  } else delete layout.title;
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key) && layout[key] && typeof layout[key] === 'object') {
      const axis = layout[key] as Record<string, unknown>;
      axis.tickfont = { size: px(fontPt - 1) };
      if (axis.title && typeof axis.title === 'object') axis.title = { ...(axis.title as object), font: { size: px(fontPt) } };
    }
  }
  for (const a of layout.annotations ?? []) a.font = { ...((a.font as object) ?? {}), size: px(fontPt) };
  return { data: JSON.parse(JSON.stringify(figure.data)) as PlotlyFigure['data'], layout, config: { ...(figure.config ?? {}), responsive: false } };
}

/**
 * Writes a figure for a paper, format by extension: `.pdf` (vector, one page of exactly the
 * requested size, fonts embedded by Chromium's PDF printer), `.svg` (vector, `width`/`height` in
 * inches with a pixel `viewBox`) or `.png` (raster at `dpi`, default 300, with the resolution
 * recorded in the file). Returns the absolute path and the size. Throws `ChromiumNotFoundError`
 * without a browser.
 */
export async function exportPaperFigure(figure: PlotlyFigure, file: string, options: PaperFigureOptions = {}): Promise<{ file: string } & PaperSize> {
  const format = exportFormat(file);
  if (format === 'html') throw new Error('exportPaperFigure: write .pdf, .svg or .png (use exportFigure for HTML)');
  const dpi = options.dpi ?? 300;
  if (!Number.isFinite(dpi) || dpi < 72 || dpi > 1200) throw new Error(`exportPaperFigure: dpi must be in [72, 1200], got ${dpi}`);
  const fig = paperFigure(figure, options);
  const size = paperSize(fig, options);
  const render = { width: size.widthPx, height: size.heightPx, executablePath: options.executablePath, idleMs: options.idleMs };
  let bytes: Buffer;
  if (format === 'png') {
    bytes = withPngDpi(compactPng(await renderFigure(fig, { ...render, format: 'png', scale: dpi / CSS_PX_PER_INCH })), dpi);
  } else if (format === 'svg') {
    const svg = (await renderFigure(fig, { ...render, format: 'svg' })).toString('utf8');
    const sized = svg.replace(/<svg\b([^>]*?)\swidth="([\d.]+)"\s+height="([\d.]+)"/, (_m, pre: string, w: string, h: string) =>
      `<svg${pre} width="${size.widthInches}in" height="${size.heightInches}in" viewBox="0 0 ${w} ${h}"`);
    bytes = Buffer.from(sized, 'utf8');
  } else {
    bytes = await renderFigure(fig, { ...render, format: 'pdf' });
  }
  const out = path.resolve(file);
  writeFileAtomic(out, bytes);
  return { file: out, ...size };
}

/** What `pdfInfo` reads from a PDF: enough to check a paper figure. */
export interface PdfInfo {
  /** Number of pages. */
  pages: number;
  /** Size of the first page in points (1/72 in). */
  widthPt: number;
  heightPt: number;
  /** Embedded font names (subset prefixes removed), e.g. `DejaVuSans`. */
  fonts: string[];
  /** Whether the fonts' programs are embedded (`FontFile`, `FontFile2` or `FontFile3`). */
  fontsEmbedded: boolean;
  /** Whether a content stream draws text (`BT … Tj/TJ … ET`): text that can be selected. */
  hasText: boolean;
  /** Raster images in the file (`/Subtype /Image`). A vector plot has none. */
  images: number;
}

/** Reads page size, fonts, text and images of a PDF such as Chromium writes (Flate streams). */
export function pdfInfo(bytes: Uint8Array): PdfInfo {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('latin1');
  if (!text.startsWith('%PDF-')) throw new Error('pdfInfo: not a PDF');
  const box = /\/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]/.exec(text);
  if (!box) throw new Error('pdfInfo: no page size (MediaBox)');
  let hasText = false;
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while (!hasText && (m = re.exec(text))) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    let body: string;
    try {
      body = zlib.inflateSync(buf.subarray(start, end)).toString('latin1');
    } catch {
      body = text.slice(start, end);
    }
    hasText = /\bBT\b[\s\S]*?\bT[jJ]\b[\s\S]*?\bET\b/.test(body);
    re.lastIndex = end;
  }
  const fonts = [...new Set([...text.matchAll(/\/BaseFont\s*\/([A-Z]{6}\+)?([^\s/<>[\]()]+)/g)].map((f) => f[2]))];
  return {
    pages: (text.match(/\/Type\s*\/Page\b/g) ?? []).length,
    widthPt: Number(box[3]) - Number(box[1]),
    heightPt: Number(box[4]) - Number(box[2]),
    fonts,
    fontsEmbedded: /\/FontFile[23]?\b/.test(text),
    hasText,
    images: (text.match(/\/Subtype\s*\/Image\b/g) ?? []).length,
  };
}
