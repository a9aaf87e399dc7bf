// After `tsc`: make the CLI executable, and let code under this folder (notebooks, scripts)
// import the package by its name. node_modules/saplab is a tiny package that re-exports dist/
// (a directory symlink to the package root is not followed by TypeScript's module resolution).
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
fs.chmodSync(path.join(root, 'dist', 'cli', 'main.js'), 0o755);
const dir = path.join(root, 'node_modules', 'saplab');
try {
  if (fs.lstatSync(dir).isSymbolicLink()) fs.unlinkSync(dir);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
fs.mkdirSync(dir, { recursive: true });
const files = {
  'package.json': JSON.stringify({ name: 'saplab', private: true, main: 'index.js', types: 'index.d.ts', description: 'Link to the saplab package root (written by scripts/postbuild.js).' }, null, 2),
  'index.js': "module.exports = require('../../dist/index.js');\n",
  'index.d.ts': "export * from '../../dist/index';\n",
};
for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);

// Minify the plotly.js bundle of `plotly.js-dist` once into dist/vendor/plotly.min.js (about 11 MB
// to under 5 MB), which notebooks and HTML exports inline. Rebuilt only when the plotly.js version
// changes; without esbuild (a devDependency) the unminified bundle is used.
const vendor = path.join(root, 'dist', 'vendor');
const minified = path.join(vendor, 'plotly.min.js');
const stamp = path.join(vendor, 'plotly.min.js.version');
const plotlyPkg = require(require.resolve('plotly.js-dist/package.json', { paths: [root] }));
if (!(fs.existsSync(minified) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === plotlyPkg.version)) {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    console.warn('postbuild: esbuild not installed; notebooks will carry the unminified plotly.js');
  }
  if (esbuild) {
    const source = fs.readFileSync(require.resolve('plotly.js-dist/plotly.js', { paths: [root] }), 'utf8');
    // Keep plotly.js's own header (version, copyright, MIT licence) as a legal comment.
    const header = /^\/\*\*?([\s\S]*?)\*\//.exec(source);
    const banner = `/*! ${header ? header[1].replace(/\*\//g, '').replace(/\n\*?\s?/g, ' ').trim() : `plotly.js v${plotlyPkg.version}`} (minified from plotly.js-dist) */`;
    const { code } = esbuild.transformSync(source, { minify: true, legalComments: 'eof', banner, charset: 'utf8' });
    fs.mkdirSync(vendor, { recursive: true });
    fs.writeFileSync(minified, code);
    fs.writeFileSync(stamp, plotlyPkg.version);
  }
}
