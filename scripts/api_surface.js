#!/usr/bin/env node
/**
 * The public API of saplab as the TypeScript compiler sees it: every name lib/index.ts exports,
 * whether it is a value (function, class, constant) or only a type, and the module it comes from.
 *
 *   node scripts/api_surface.js            counts (values, types, total)
 *   node scripts/api_surface.js --list     one line a name: `value|type name lib/module.ts`, sorted
 *   node scripts/api_surface.js --json     the same as JSON
 *
 * test/api_surface.test.ts pins the list, so a change to the public surface is deliberate.
 */
'use strict';
const path = require('path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');

/** Reads the project's tsconfig.json and returns a program over lib/. */
function libProgram() {
  const configPath = path.join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
}

/** The exports of `file` (default lib/index.ts): `{ name, kind: 'value' | 'type', module }`, sorted by name. */
function apiSurface(file = path.join(ROOT, 'lib', 'index.ts')) {
  const program = libProgram();
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`api_surface: ${file} is not part of the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`api_surface: ${file} has no exports`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declaration = target.declarations?.[0];
      const module = declaration ? path.relative(ROOT, declaration.getSourceFile().fileName) : '?';
      return { name: symbol.name, kind: target.flags & ts.SymbolFlags.Value ? 'value' : 'type', module };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

if (require.main === module) {
  const surface = apiSurface();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(surface, null, 2));
  } else if (process.argv.includes('--list')) {
    for (const e of surface) console.log(`${e.kind} ${e.name} ${e.module}`);
  } else {
    const values = surface.filter((e) => e.kind === 'value').length;
    console.log(`public exports of lib/index.ts: ${surface.length} (${values} values, ${surface.length - values} types)`);
  }
}

module.exports = { apiSurface, libProgram };
