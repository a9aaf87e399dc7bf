import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

describe('the map of lib/', () => {
  it('lib/README.md has one row for every folder of lib/, and the README links it', () => {
    const folders = fs.readdirSync(path.join(root, 'lib'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const map = fs.readFileSync(path.join(root, 'lib', 'README.md'), 'utf8');
    const rows = [...map.matchAll(/^\| \[`(\w+)\/`\]\((\w+)\) \| (.+) \|$/gm)];
    for (const [, name, link, line] of rows) {
      expect(link, name).toBe(name);
      expect(line.length, name).toBeGreaterThan(20);
    }
    expect(rows.map((r) => r[1]).sort()).toEqual(folders);
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toMatch(/\[lib\/README\.md\]\(lib\/README\.md\)/);
  });
});
