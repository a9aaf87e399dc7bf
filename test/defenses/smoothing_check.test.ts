import { describe, expect, it } from 'vitest';
import { ABSTAIN, certifiedVsEmpiricalCheck } from 'saplab';

const labels = [0, 1, 2, 3];
// Image 0 certified to 0.5, image 1 to 0.2, image 2 abstained, image 3 certified to a wrong class.
const certified = { predictions: [0, 1, ABSTAIN, 0], radii: [0.5, 0.2, 0, 0.9], alpha: 0.001 };
const radii = [0, 0.25];

describe('certifiedVsEmpiricalCheck', () => {
  it('passes when every image certified at r survives the attack at r, with the accuracies per radius', () => {
    const r = certifiedVsEmpiricalCheck({ labels, certified, radii, attacked: [[0, 1, 2, 0], [0, 9, 2, 0]], predictAlpha: 0.001 });
    expect(r.status).toBe('pass');
    expect(r.id).toBe('certified-vs-empirical');
    expect(r.evidence.map((e) => [e.values.certified, e.values.empirical])).toEqual([[0.5, 0.75], [0.25, 0.5]]);
  });

  it('fails when certified images are broken beyond the certificate failure rate', () => {
    const many = Array.from({ length: 50 }, (_, i) => i % 10);
    const cert = { predictions: many, radii: many.map(() => 1), alpha: 0.001 };
    const broken = many.map((y, i) => (i < 3 ? (y + 1) % 10 : y)); // 3 of 50: P(>= 3 | p = 0.002) ~ 1.5e-4
    const r = certifiedVsEmpiricalCheck({ labels: many, certified: cert, radii: [0.5], attacked: [broken], predictAlpha: 0.001, attack: 'smoothAdv' });
    expect(r.status).toBe('fail');
    expect(r.evidence[0].values.contradicted).toBe(3);
    expect(r.summary).toMatch(/smoothAdv vs the certificate: 3 certified images broken .*a bug in the attack or in the certificate/);
    // One contradiction among 50 is within chance (P ~ 0.1): a warning, not a failure.
    const one = many.map((y, i) => (i === 0 ? (y + 1) % 10 : y));
    expect(certifiedVsEmpiricalCheck({ labels: many, certified: cert, radii: [0.5], attacked: [one], predictAlpha: 0.001 }).status).toBe('warn');
  });

  it('warns, without failing, when PREDICT abstains on certified images and the empirical accuracy drops below the certified one', () => {
    const r = certifiedVsEmpiricalCheck({ labels, certified, radii, attacked: [[0, 1, 2, 0], [ABSTAIN, 9, 9, 0]], predictAlpha: 0.001 });
    expect(r.status).toBe('warn');
    expect(r.evidence[1].values.abstainedOnCertified).toBe(1);
    expect(r.evidence[1].values.contradicted).toBe(0);
  });

  it('rejects inputs of mismatched sizes', () => {
    expect(() => certifiedVsEmpiricalCheck({ labels: [0], certified, radii, attacked: [[0], [0]], predictAlpha: 0.001 })).toThrow(/labels/);
    expect(() => certifiedVsEmpiricalCheck({ labels, certified, radii, attacked: [[0, 1, 2, 3]], predictAlpha: 0.001 })).toThrow(/attacked must be/);
  });
});
