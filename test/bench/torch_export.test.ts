import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { fashionCnn, resnet20 } from 'saplab';
import { describeSequential, exportForTorch } from '../../lib/bench/torch_export';

describe('PyTorch export', () => {
  it('describes the sequential CNN for PyTorch and refuses a functional ResNet', () => {
    const net = fashionCnn();
    expect(describeSequential(net).map((l) => `${l.type}${l.activation ? `:${l.activation}` : ''}`)).toEqual([
      'conv2d:relu',
      'maxpool',
      'conv2d:relu',
      'maxpool',
      'flatten',
      'dense:relu',
      'dense:linear',
    ]);
    net.dispose();
    const res = resnet20();
    expect(() => describeSequential(res)).toThrow(/not supported|sequential/);
    res.dispose();
  });

  it('writes every weight and tensor to data.bin at the offsets and shapes of manifest.json', () => {
    const net = fashionCnn({ seed: 4 });
    const layers = describeSequential(net);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torch-export-'));
    try {
      exportForTorch(dir, layers, { x }, { workloads: ['forward'] });
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      const buf = fs.readFileSync(path.join(dir, 'data.bin'));
      const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const read = (e: { offset: number; shape: number[] }) => Array.from(data.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1)));
      expect(manifest.workloads).toEqual(['forward']);
      expect(manifest.tensors.x.shape).toEqual([2, 28, 28, 1]);
      expect(read(manifest.tensors.x)).toEqual(Array.from(x.dataSync()));
      let total = x.size;
      layers.forEach((l, i) => {
        for (const k of ['kernel', 'bias'] as const) {
          const t = l[k];
          if (!t) continue;
          expect(manifest.layers[i][k].shape).toEqual(t.shape);
          expect(read(manifest.layers[i][k])).toEqual(Array.from(t.dataSync()));
          total += t.size;
        }
      });
      expect(data.length).toBe(total);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      x.dispose();
      net.dispose();
    }
  });
});
