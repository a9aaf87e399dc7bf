import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as tf from '@tensorflow/tfjs';
import { loadModelFrom, ModelError, saveModel } from 'saplab';
import { localModelJson } from '../../lib/models/load_model';
import { threeReluModel } from './user_models';

function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (!fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() })));
}

describe('loadModelFrom', () => {
  it('loads a folder, its model.json, a file:// URL and an http:// URL to the same weights', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'load-model-'));
    const net = threeReluModel(3);
    await saveModel(net, path.join(tmp, 'm'));
    const x = tf.randomUniform([2, 28, 28, 1], 0, 255, 'float32', 5);
    const want = (net.predict(x) as tf.Tensor).arraySync();
    const server = await serve(tmp);
    try {
      for (const src of [path.join(tmp, 'm'), path.join(tmp, 'm', 'model.json'), pathToFileURL(path.join(tmp, 'm')).toString(), `${server.url}m/model.json`]) {
        const m = await loadModelFrom(src);
        const got = (m.predict(x) as tf.Tensor).arraySync() as number[][];
        got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((want as number[][])[i][j], 6)));
        m.dispose();
      }
      await expect(loadModelFrom(`${server.url}missing/model.json`)).rejects.toThrow(ModelError);
    } finally {
      server.close();
      tf.dispose(x);
      net.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('names the source when a model does not load', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'load-model-bad-'));
    await expect(loadModelFrom(path.join(tmp, 'nothing'))).rejects.toThrow(/cannot load model from .*nothing.*does not exist/);
    fs.writeFileSync(path.join(tmp, 'model.json'), '{ broken');
    await expect(loadModelFrom(tmp)).rejects.toThrow(ModelError);
    fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }));
    await expect(loadModelFrom(tmp)).rejects.toThrow(/graph model/);
    expect(localModelJson('/a/b')).toBe(path.resolve('/a/b/model.json'));
    expect(localModelJson('file:///a/b/model.json')).toBe(path.resolve('/a/b/model.json'));
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
