import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadModel, loadFashionMnist, asModel } from 'saplab';
it('timing', async () => {
  const net = await loadModel('/tmp/m1');
  const model = asModel(net);
  const { x, y } = await loadFashionMnist({ split: 'test', limit: 500 });
  let t = Date.now();
  const l = model(x); l.dataSync(); console.log('fwd500', Date.now() - t);
  t = Date.now();
  for (let i = 0; i < 3; i++) { const l = model(x); l.dataSync(); l.dispose(); }
  console.log('fwd500 x3', Date.now() - t);
  const f = (xx: tf.Tensor4D) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), model(xx));
  t = Date.now();
  for (let i = 0; i < 3; i++) { const g = tf.grad(f)(x); g.dataSync(); g.dispose(); }
  console.log('grad500 x3', Date.now() - t);
  t = Date.now();
  for (let i = 0; i < 20; i++) { const l = model(x.slice(0, 50)); l.dataSync(); l.dispose(); }
  console.log('fwd50 x20', Date.now() - t);
});
