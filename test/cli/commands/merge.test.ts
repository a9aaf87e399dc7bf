import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from '../run_cli';

describe('saplab merge', () => {
  it('needs --out and the shard folders; folders that are not shards exit with 2 and nothing is written', async () => {
    expect((await run(['merge', '--out', 'x'])).err).toMatch(/merge needs the shard folders/);
    expect((await run(['merge', 'a'])).err).toMatch(/--out is required/);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'merge-cli-'));
    fs.writeFileSync(path.join(tmp, 'config.json'), '{}');
    const out = path.join(tmp, 'out');
    const r = await run(['merge', '--out', out, tmp]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not a shard \(no shard\.json; run reproduce with --shard i\/k\)/);
    expect(fs.existsSync(out)).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
