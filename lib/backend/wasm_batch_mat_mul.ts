/**
 * `BatchMatMul` for the wasm backend with transposed operands. The stock kernel of
 * tfjs-backend-wasm 4.22 uses XNNPACK only for a single, untransposed product; any
 * `transposeA`/`transposeB` (which every matmul gradient has: `dx = dy · wᵀ`, `dw = xᵀ · dy`)
 * falls back to a scalar triple loop, about 7x slower on a dense layer. Here the transposed
 * operand is materialised with the wasm `Transpose` kernel and the product runs through XNNPACK.
 * Batched products (more than one matrix) keep the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { Scratch, WasmKernelArgs, WasmKernelFunc } from './wasm_kernel_util';

/** Makes the `BatchMatMul` kernel around the stock one (`stockKernel`). */
export function makeBatchMatMul(stockKernel?: WasmKernelFunc): WasmKernelFunc {
  if (!stockKernel) throw new Error('BatchMatMul: the stock wasm kernel is needed');
  return (args: WasmKernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const single = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape.slice(0, -2)) === 1;
    if ((!transposeA && !transposeB) || !single(a) || !single(b) || a.dtype !== 'float32' || b.dtype !== 'float32') return stockKernel(args);
    const s = new Scratch(args.backend);
    try {
      const swapLast = (t: tf.TensorInfo) => {
        const r = t.shape.length;
        const m = s.run('Reshape', { x: t }, { shape: [t.shape[r - 2], t.shape[r - 1]] });
        return s.run('Transpose', { x: m }, { perm: [1, 0] });
      };
      const a2 = transposeA ? swapLast(a) : a;
      const b2 = transposeB ? swapLast(b) : b;
      const out = stockKernel({ inputs: { a: a2, b: b2 }, backend: args.backend, attrs: { transposeA: false, transposeB: false } });
      // Same shape as the stock kernel gives for the transposed call (the batch dimensions are all 1).
      const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      out.shape = [...outer, a2.shape[a2.shape.length - 2], b2.shape[b2.shape.length - 1]];
      return out;
    } finally {
      s.dispose();
    }
  };
}
