import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, backendInfo, BACKEND_CHOICES } from 'saplab';

describe('initBackend', () => {
  it('reports the backend that is actually active', async () => {
    const info = await initBackend();
    expect(info.name).toBe(tf.getBackend());
    expect(BACKEND_CHOICES).toContain(info.choice);
    expect(info.tfjsVersion).toBe(tf.version_core);
    expect(info.description).toContain(info.choice);
    expect(backendInfo()).toBe(info);
  });

  it('picks the fastest candidate that works, recording why faster ones were skipped', async () => {
    const info = await initBackend({ backend: 'auto' });
    const order = [...BACKEND_CHOICES];
    const skippedChoices = info.skipped.map((s) => s.choice);
    // Everything skipped comes before the chosen one, in order, each with a reason.
    expect(skippedChoices).toEqual(order.slice(0, order.indexOf(info.choice)).filter((c) => skippedChoices.includes(c)));
    for (const s of info.skipped) expect(s.reason.length).toBeGreaterThan(0);
    // Native backends are only skipped when their package is not loadable on this machine.
    if (info.choice === 'wasm') {
      for (const s of info.skipped) expect(s.choice.startsWith('tensorflow')).toBe(true);
    }
  });

  it('can force cpu and switch back', async () => {
    const before = tf.getBackend();
    const cpu = await initBackend({ backend: 'cpu' });
    expect(cpu.choice).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const back = await initBackend({ backend: 'auto' });
    expect(back.name).toBe(before);
  });

  it('names the problem when a forced backend is missing or unknown', async () => {
    let missing = false;
    try {
      require.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      missing = true;
    }
    if (missing) await expect(initBackend({ backend: 'tensorflow-gpu' })).rejects.toThrow(/tensorflow-gpu.*not available/s);
    await expect(initBackend({ backend: 'tpu' as never })).rejects.toThrow(/not a backend saplab knows/);
    await initBackend({ backend: 'auto' });
  });

  it('honours SAPLAB_BACKEND', async () => {
    const old = process.env.SAPLAB_BACKEND;
    process.env.SAPLAB_BACKEND = 'cpu';
    try {
      expect((await initBackend()).choice).toBe('cpu');
    } finally {
      if (old === undefined) delete process.env.SAPLAB_BACKEND;
      else process.env.SAPLAB_BACKEND = old;
    }
    await initBackend({ backend: 'auto' });
  });
});
