#!/usr/bin/env node
/**
 * `npm run book`: the tutorial notebooks as a static HTML site a reader can follow without a
 * kernel. Executes the notebooks (or takes executed ones with `--from`), converts each with
 * nbconvert, and writes `index.html` plus one page per notebook, with the assets they need
 * (plotly.js, require.js and the parts of MathJax the pages load) copied next to them. Figures
 * are the PNGs of the notebook outputs, so every page reads with scripts disabled; where scripts
 * run, `assets/book.js` replaces each PNG by the interactive plot from the figure's plotly JSON.
 * `--check` opens every page in headless Chromium and fails on a console error or on a figure
 * that did not draw.
 *
 *   npm run book -- [--quick] [--from results/notebooks] [--out results/book] [--check]
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { plotlyBundlePath } from '../report/html';
import { escapeHtml } from '../report/show';
import { checkPageInChromium, checkExecutedNotebook, jupyterMissing, listNotebooks, runNotebooks } from './notebooks';

/** Options of `buildBook`. */
interface BookOptions {
  /** Output folder. Default `results/book`. */
  outDir?: string;
  /** Folder of executed notebooks (`NN_name.executed.ipynb`) to use instead of running them. */
  fromDir?: string;
  /** Folder of the source notebooks (`NN_topic.ipynb`). Default `notebooks/`. */
  notebooksDir?: string;
  /** Run the notebooks with `QUICK=1`. Default `false`. */
  quick?: boolean;
  /** Python with nbconvert. Default `$SAPLAB_PYTHON` or `/usr/bin/python3`. */
  python?: string;
  /** Called with a line of progress. */
  log?: (line: string) => void;
}

/** One page of the book. */
interface BookPage {
  /** File name in the output folder, e.g. `01_minimax_framing.html`. */
  file: string;
  /** The notebook's first heading. */
  title: string;
  /** Figure outputs on the page (each drawn as an image, interactive where scripts run). */
  figures: number;
}

/** What `buildBook` wrote. */
interface Book {
  outDir: string;
  index: string;
  pages: BookPage[];
}

const MATHJAX_DIR = '/usr/share/javascript/mathjax';
const REQUIREJS = '/usr/share/javascript/requirejs/require.min.js';
/** The parts of MathJax 2 that nbconvert's `TeX-AMS_CHTML-full` configuration loads. */
const MATHJAX_PARTS = ['MathJax.js', 'config', 'jax/input/TeX', 'jax/output/CommonHTML', 'jax/element', 'extensions', 'fonts/HTML-CSS/TeX/woff', 'localization/en'];

/** Runs in the page where scripts run: each figure image becomes the interactive plot. */
const BOOK_JS = `(function () {
  var figs = window.__saplabBookFigures || [];
  if (!window.Plotly) return;
  document.querySelectorAll('img[data-saplab-figure]').forEach(function (img) {
    var fig = figs[Number(img.getAttribute('data-saplab-figure'))];
    if (!fig) return;
    var div = document.createElement('div');
    div.className = 'saplab-book-figure';
    var layout = Object.assign({}, fig.layout);
    div.style.width = (layout.width || 800) + 'px';
    div.style.maxWidth = '100%';
    div.style.height = (layout.height || 450) + 'px';
    img.parentNode.replaceChild(div, img);
    window.Plotly.newPlot(div, fig.data, layout, Object.assign({ displaylogo: false }, fig.config || {}));
  });
})();
`;

const BOOK_CSS = `.saplab-book-nav { font: 14px/1.4 sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd; background: #fafafa; }
.saplab-book-nav a { margin-right: 16px; }
.saplab-book-index { font: 16px/1.5 sans-serif; max-width: 860px; margin: 32px auto; padding: 0 16px; }
`;

function copyTree(src: string, dst: string): void {
  const st = fs.statSync(src);
  if (st.isDirectory()) {
    fs.mkdirSync(dst, { recursive: true });
    for (const f of fs.readdirSync(src)) copyTree(path.join(src, f), path.join(dst, f));
  } else {
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(src, dst);
  }
}

/** The first Markdown heading of a notebook, without the `#`s. */
function notebookTitle(nb: { cells: { cell_type: string; source: string | string[] }[] }, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const text = Array.isArray(c.source) ? c.source.join('') : c.source;
    const m = /^#\s+(.+)$/m.exec(text);
    if (m) return m[1].trim();
  }
  return fallback;
}

type Output = { output_type: string; data?: Record<string, unknown> };

/**
 * Rewrites nbconvert's HTML of an executed notebook into a book page: local asset paths, a
 * navigation bar, figure images tagged with their index, and the scripts that make them
 * interactive. Returns the page and the figures (their plotly JSON, in tag order).
 */
export function bookPage(html: string, notebook: { cells: { outputs?: Output[] }[] }, nav: { index: string; prev?: BookPage; next?: BookPage; figuresScript: string }): { html: string; figures: unknown[] } {
  const byPng = new Map<string, unknown>();
  for (const cell of notebook.cells) {
    for (const out of cell.outputs ?? []) {
      const png = out.data?.['image/png'];
      const fig = out.data?.['application/vnd.plotly.v1+json'];
      if (typeof png === 'string' && fig) byPng.set(png.replace(/\s+/g, ''), fig);
    }
  }
  const figures: unknown[] = [];
  let page = html.replace(/<img\s+src="data:image\/png;base64,([^"]+)"/g, (tag, b64: string) => {
    const fig = byPng.get(b64.replace(/\s+/g, ''));
    if (fig === undefined) return tag;
    figures.push(fig);
    return `${tag} data-saplab-figure="${figures.length - 1}"`;
  });
  page = page
    .replace(/file:\/\/\/usr\/share\/javascript\/requirejs\/require\.min\.js/g, 'assets/require.min.js')
    .replace(/file:\/\/\/usr\/share\/javascript\/mathjax\/MathJax\.js/g, 'assets/mathjax/MathJax.js');
  const link = (p: BookPage | undefined, label: string) => (p ? `<a href="${escapeHtml(p.file)}">${label}: ${escapeHtml(p.title)}</a>` : '');
  const bar = `<nav class="saplab-book-nav"><a href="${escapeHtml(nav.index)}">Contents</a>${link(nav.prev, '← previous')}${link(nav.next, 'next →')}</nav>`;
  page = page.replace(/<body([^>]*)>/, (m) => `${m}\n${bar}`);
  page = page.replace(/<\/head>/, `<link rel="stylesheet" href="assets/book.css"/>\n</head>`);
  const scripts = `<script src="assets/plotly.min.js"></script>\n<script src="${escapeHtml(nav.figuresScript)}"></script>\n<script src="assets/book.js"></script>\n`;
  page = page.replace(/<\/body>/, `${scripts}</body>`);
  return { html: page, figures };
}

/** Writes the book (see the module comment) and returns its pages. */
export function buildBook(options: BookOptions = {}): Book {
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const python = options.python ?? process.env.SAPLAB_PYTHON ?? '/usr/bin/python3';
  const missing = jupyterMissing(python);
  if (missing) throw new Error(`cannot build the book: ${missing}`);
  const outDir = path.resolve(options.outDir ?? path.join('results', 'book'));
  let executedDir = options.fromDir ? path.resolve(options.fromDir) : path.join(outDir, 'executed');
  if (!options.fromDir) {
    const results = runNotebooks({ outDir: executedDir, notebooks: options.notebooksDir ? listNotebooks(options.notebooksDir) : undefined, env: options.quick ? { QUICK: '1' } : {}, python, log });
    const failed = results.filter((r) => !r.ok);
    if (failed.length) throw new Error(`notebooks failed: ${failed.map((r) => path.basename(r.notebook)).join(', ')}`);
  }
  executedDir = path.resolve(executedDir);
  const names = listNotebooks(options.notebooksDir).map((n) => path.basename(n, '.ipynb'));
  if (names.length === 0) throw new Error('no notebooks to put in the book');
  const executed = names.map((n) => path.join(executedDir, `${n}.executed.ipynb`));
  const absent = executed.filter((f) => !fs.existsSync(f));
  if (absent.length) throw new Error(`no executed notebook ${absent.map((f) => path.basename(f)).join(', ')} in ${executedDir}`);
  fs.mkdirSync(path.join(outDir, 'assets'), { recursive: true });
  fs.copyFileSync(plotlyBundlePath(), path.join(outDir, 'assets', 'plotly.min.js'));
  if (fs.existsSync(REQUIREJS)) fs.copyFileSync(REQUIREJS, path.join(outDir, 'assets', 'require.min.js'));
  if (fs.existsSync(MATHJAX_DIR)) for (const part of MATHJAX_PARTS) if (fs.existsSync(path.join(MATHJAX_DIR, part))) copyTree(path.join(MATHJAX_DIR, part), path.join(outDir, 'assets', 'mathjax', part));
  fs.writeFileSync(path.join(outDir, 'assets', 'book.js'), BOOK_JS);
  fs.writeFileSync(path.join(outDir, 'assets', 'book.css'), BOOK_CSS);
  const notebooks = executed.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const pages: BookPage[] = names.map((n, i) => ({ file: `${n}.html`, title: notebookTitle(notebooks[i], n), figures: checkExecutedNotebook(executed[i], { maxBytes: Infinity }).figures }));
  names.forEach((n, i) => {
    const conv = spawnSync(python, ['-m', 'nbconvert', '--to', 'html', '--stdout', executed[i]], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (conv.status !== 0) throw new Error(`nbconvert failed on ${executed[i]}: ${(conv.stderr || '').split('\n').slice(-5).join('\n')}`);
    const figuresScript = `${n}.figures.js`;
    const page = bookPage(conv.stdout, notebooks[i], { index: 'index.html', prev: pages[i - 1], next: pages[i + 1], figuresScript });
    if (page.figures.length !== pages[i].figures) throw new Error(`${n}: ${pages[i].figures} figure outputs but ${page.figures.length} figure images in nbconvert's HTML`);
    fs.writeFileSync(path.join(outDir, pages[i].file), page.html);
    fs.writeFileSync(path.join(outDir, figuresScript), `window.__saplabBookFigures = ${JSON.stringify(page.figures).replace(/</g, '\\u003c')};\n`);
    log(`book: ${pages[i].file} (${page.figures.length} figures)`);
  });
  const items = pages.map((p) => `<li><a href="${escapeHtml(p.file)}">${escapeHtml(p.title)}</a> <small>(${p.figures} figures)</small></li>`).join('\n');
  const index = `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>saplab tutorials</title><link rel="stylesheet" href="assets/book.css"/></head>\n<body><main class="saplab-book-index"><h1>saplab tutorials</h1>\n<p>Stochastic Activation Pruning (Dhillon et al., ICLR 2018), reproduced and stress-tested in TypeScript. Each page is an executed notebook${options.quick ? ' (short version, QUICK=1)' : ''}; figures are images that become interactive where scripts run.</p>\n<ol>\n${items}\n</ol></main></body></html>\n`;
  fs.writeFileSync(path.join(outDir, 'index.html'), index);
  return { outDir, index: path.join(outDir, 'index.html'), pages };
}

/** Opens every page in Chromium; returns the problems (console errors, figures that did not draw, broken images). */
export async function checkBook(book: Book): Promise<string[]> {
  const problems: string[] = [];
  for (const file of [book.index, ...book.pages.map((p) => path.join(book.outDir, p.file))]) {
    const page = book.pages.find((p) => path.join(book.outDir, p.file) === file);
    const live = await checkPageInChromium(file, { scripts: true, count: '.saplab-book-figure > .plot-container > .svg-container' });
    const still = await checkPageInChromium(file, { scripts: false });
    for (const e of live.errors) problems.push(`${path.basename(file)}: console error: ${e}`);
    if (page && live.count !== page.figures) problems.push(`${path.basename(file)}: ${live.count ?? 0} of ${page.figures} figures drew`);
    if (page && still.images < page.figures) problems.push(`${path.basename(file)}: ${still.images} images without scripts, ${page.figures} figures`);
    if (still.broken) problems.push(`${path.basename(file)}: ${still.broken} broken images`);
  }
  return problems;
}

/** The command line of `npm run book`; returns the exit code. */
export async function bookMain(argv: string[]): Promise<number> {
  const flags: BookOptions & { check?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') flags.quick = true;
    else if (a === '--check') flags.check = true;
    else if ((a === '--from' || a === '--out') && argv[i + 1] && !argv[i + 1].startsWith('--')) {
      if (a === '--from') flags.fromDir = argv[++i];
      else flags.outDir = argv[++i];
    } else {
      process.stderr.write(`book: unknown or incomplete flag ${JSON.stringify(a)}\nusage: npm run book -- [--quick] [--from DIR] [--out DIR] [--check]\n`);
      return 2;
    }
  }
  if (flags.fromDir && !fs.existsSync(flags.fromDir)) {
    process.stderr.write(`book: --from ${flags.fromDir} does not exist\n`);
    return 2;
  }
  const book = buildBook(flags);
  process.stdout.write(`${book.index}\n${book.pages.map((p) => `  ${p.file}  ${p.title}  (${p.figures} figures)`).join('\n')}\n`);
  if (flags.check) {
    const problems = await checkBook(book);
    if (problems.length) {
      process.stderr.write(`book check failed:\n${problems.join('\n')}\n`);
      return 1;
    }
    process.stdout.write(`every page opened in Chromium without console errors; every figure drew\n`);
  }
  return 0;
}

if (require.main === module) {
  bookMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`book: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}


