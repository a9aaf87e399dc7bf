#!/usr/bin/env node
/**
 * Exports of lib/ modules that nothing else uses, found with the TypeScript language service over
 * lib/ and test/ (test/tsconfig.json) plus a word search of the notebooks, the Markdown files and
 * scripts/:
 *
 *   dead   the name is used nowhere, not even in its own module: delete it
 *   local  used only inside its own module: drop `export` (unless lib/index.ts lists it)
 *   member a public method or property of a class that nothing references
 *
 *   node scripts/unused_exports.js          (about a minute)
 *
 * Structural uses (an object passed where an interface is expected) are not references to the
 * language service: check a `member` line before deleting it.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');

function languageService() {
  const config = ts.readConfigFile(path.join(ROOT, 'test', 'tsconfig.json'), ts.sys.readFile).config;
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.join(ROOT, 'test'));
  const host = {
    getScriptFileNames: () => parsed.fileNames,
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => (fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, 'utf8')) : undefined),
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => parsed.options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host);
}

/** Notebooks, Markdown and scripts: where a name can be used without the compiler seeing it. */
function documents() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !['node_modules', 'dist', 'docs', 'results'].includes(e.name)) walk(p);
      } else if (/\.(md|ipynb|js|py)$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(ROOT);
  return out;
}

function nodeAt(sf, pos) {
  let found;
  (function visit(n) {
    if (pos >= n.getStart(sf) && pos < n.getEnd()) {
      found = n;
      ts.forEachChild(n, visit);
    }
  })(sf);
  return found;
}

function main() {
  const ls = languageService();
  const program = ls.getProgram();
  const checker = program.getTypeChecker();
  const docs = documents();
  const inDocs = (name) => docs.some((t) => new RegExp(`\\b${name}\\b`).test(t));
  const lines = [];
  for (const sf of program.getSourceFiles()) {
    const rel = path.relative(ROOT, sf.fileName);
    if (!rel.startsWith('lib/') || rel === 'lib/index.ts') continue;
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    for (const symbol of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      const decl = symbol.declarations?.[0];
      if (symbol.flags & ts.SymbolFlags.Alias || !decl || decl.getSourceFile() !== sf) continue;
      let own = 0;
      let other = 0;
      let listed = false;
      for (const ref of ls.findReferences(sf.fileName, (ts.getNameOfDeclaration(decl) ?? decl).getStart(sf)) ?? []) {
        for (const e of ref.references) {
          if (e.isDefinition) continue;
          const parent = nodeAt(program.getSourceFile(e.fileName), e.textSpan.start)?.parent;
          if (parent && ts.isExportSpecifier(parent)) listed ||= path.relative(ROOT, e.fileName) === 'lib/index.ts';
          else if (parent && ts.isImportSpecifier(parent)) continue;
          else if (e.fileName === sf.fileName) own++;
          else other++;
        }
      }
      if (other > 0 || inDocs(symbol.name)) continue;
      if (own === 0) lines.push(`dead   ${rel} ${symbol.name}${listed ? ' (in lib/index.ts)' : ''}`);
      else if (!listed) lines.push(`local  ${rel} ${symbol.name}`);
    }
    ts.forEachChild(sf, (n) => {
      if (!ts.isClassDeclaration(n) || !n.name) return;
      for (const m of n.members) {
        if (!m.name || ts.isPrivateIdentifier(m.name) || ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        const name = m.name.getText(sf);
        if (['call', 'computeOutputShape', 'getConfig', 'build', 'dispose', 'className'].includes(name)) continue;
        const refs = (ls.findReferences(sf.fileName, m.name.getStart(sf)) ?? []).flatMap((r) => r.references.filter((e) => !e.isDefinition));
        if (refs.length === 0) lines.push(`member ${rel} ${n.name.text}.${name}`);
      }
    });
  }
  console.log(lines.length ? lines.join('\n') : 'no unused exports');
}

main();
