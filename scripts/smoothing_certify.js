// Certified accuracy of a noise-trained CNN (Cohen et al.'s CERTIFY) on the first test images, and
// SmoothAdv against the same smoothed classifier at the same radii, judged by PREDICT: the numbers
// of data/README.md's smoothing section. Uses the built package (npm run build first).
//   node scripts/smoothing_certify.js MODEL_DIR SIGMA [images=100] [n=1000] [attackImages=0]
const tf = require('@tensorflow/tfjs');
const s = require('../dist');

async function main() {
  const [dir, sigmaArg, imagesArg = '100', nArg = '1000', attackArg = '0'] = process.argv.slice(2);
  const sigma = Number(sigmaArg);
  const [images, n, attackImages] = [imagesArg, nArg, attackArg].map(Number);
  await s.initBackend({ backend: 'wasm' });
  const net = await s.loadModel(dir);
  const { x: all, y: allY } = await s.loadFashionMnist({ split: 'test' });
  const x = all.slice([0, 0, 0, 0], [images, -1, -1, -1]);
  const y = Array.from(allY.slice([0], [images]).dataSync());
  const model = s.withGaussianSmoothing(net, { sigma });
  const t0 = Date.now();
  const cert = s.certify(model, x, { n0: 100, n, alpha: 0.001, batchSize: 500, seed: 1803 });
  const radii = [0, 0.25, 0.5, 0.75, 1.0];
  const acc = s.certifiedAccuracy(cert, y, radii);
  const base = s.evaluateAccuracy(net, all, allY);
  const out = { dir, sigma, images, n, n0: 100, alpha: 0.001, baseCleanAccuracy10k: base, radii, certifiedAccuracy: acc,
    abstain: cert.predictions.filter((p) => p === s.ABSTAIN).length, seconds: (Date.now() - t0) / 1000 };
  if (attackImages > 0) {
    // Empirical: an image counts as robust at radius r if PREDICT (n = 1000 here, alpha 0.001) on
    // SmoothAdv's output (PGD-L2, 20 steps, m = 8, from x) returns the label. Abstention = error.
    const xa = x.slice([0, 0, 0, 0], [attackImages, -1, -1, -1]);
    const ya = tf.tensor1d(y.slice(0, attackImages), 'int32');
    out.attackImages = attackImages;
    out.certifiedOnAttackImages = s.certifiedAccuracy({ predictions: cert.predictions.slice(0, attackImages), radii: cert.radii.slice(0, attackImages) }, y.slice(0, attackImages), radii);
    const attacked = radii.map((r) => {
      const adv = r === 0 ? tf.clone(xa) : s.smoothAdv(model, xa, ya, { eps: r, steps: 20, noiseSamples: 8, randomStart: false, seed: 1803 });
      const pred = s.predictSmoothed(model, adv, { n: 1000, alpha: 0.001, batchSize: 500, seed: 1804 });
      adv.dispose();
      return pred;
    });
    out.empiricalSmoothAdv = attacked.map((pred) => pred.filter((p, i) => p === y[i]).length / attackImages);
    const check = s.certifiedVsEmpiricalCheck({
      labels: y.slice(0, attackImages),
      certified: { predictions: cert.predictions.slice(0, attackImages), radii: cert.radii.slice(0, attackImages), alpha: 0.001 },
      radii,
      attacked,
      predictAlpha: 0.001,
      attack: 'SmoothAdv PGD-L2 (20 steps, m = 8)',
    });
    out.check = { status: check.status, summary: check.summary, evidence: check.evidence.map((e) => e.values) };
  }
  out.seconds = (Date.now() - t0) / 1000;
  process.stdout.write(JSON.stringify(out) + '\n');
}
main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
