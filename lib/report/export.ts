/**
 * Writing figures to files, the format chosen by the extension: `.html` (self-contained and
 * offline, plotly.js inlined; needs no browser), `.png`, `.svg` and `.pdf` (rendered in headless
 * Chromium, see `renderFigure`). Files are written atomically.
 */
import * as path from 'path';
import { writeFileAtomic } from '../data/download';
import { renderFigure } from './browser';
import type { PlotlyFigure } from './figure';
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
