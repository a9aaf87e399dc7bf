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
