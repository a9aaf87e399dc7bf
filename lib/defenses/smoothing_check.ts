/**
 * The checklist item for a certified defense: at every radius, the smoothed classifier's empirical
 * robust accuracy under an attack must be at least its certified accuracy on the same images. Per
 * image: an image certified at radius `r` (CERTIFY returned its label with radius `>= r`) whose
 * attacked input (an attack within `r`) makes PREDICT return another class contradicts the
 * certificate. Each such contradiction happens without a bug only when CERTIFY or PREDICT failed,
 * with probability at most `certifyAlpha + predictAlpha` per image; more contradictions than that
 * explains (one-sided binomial tail below 0.001) mean a bug in the attack or in the certificate,
 * and the check fails. PREDICT abstaining on an attacked input is no contradiction (it may lack
 * samples to confirm `g`), but it lowers the empirical accuracy (abstentions count as errors, as
 * in Cohen et al.), so that case is a warning with its count.
 */
import { binomialCdf } from '../metrics/binomial';
import type { CheckEvidence, CheckResult, CheckStatus } from '../reproduce/checks';
import { ABSTAIN } from './smoothing_certify';

/** Inputs of `certifiedVsEmpiricalCheck`, all on the same images. */
export interface CertifiedVsEmpiricalInput {
  /** True labels `[m]`. */
  labels: readonly number[];
  /** CERTIFY's classes (or `ABSTAIN`) and radii `[m]`, and its alpha. */
  certified: { predictions: readonly number[]; radii: readonly number[]; alpha: number };
  /** The radii checked. */
  radii: readonly number[];
  /** PREDICT's output on the attack's output at each radius: `[radii.length][m]` (`ABSTAIN` allowed). */
  attacked: readonly (readonly number[])[];
  /** PREDICT's alpha. */
  predictAlpha: number;
  /** The attack's name, for the evidence. Default `'attack'`. */
  attack?: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The certified-versus-empirical check (see the file comment); a `CheckResult` like the others. */
export function certifiedVsEmpiricalCheck(input: CertifiedVsEmpiricalInput): CheckResult {
  const { labels, certified, radii, attacked } = input;
  const m = labels.length;
  if (certified.predictions.length !== m || certified.radii.length !== m) throw new Error(`certifiedVsEmpiricalCheck: ${m} labels but ${certified.predictions.length} certificates`);
  if (attacked.length !== radii.length || attacked.some((row) => row.length !== m)) throw new Error(`certifiedVsEmpiricalCheck: attacked must be [${radii.length}][${m}]`);
  const p = Math.min(1, certified.alpha + input.predictAlpha);
  const evidence: CheckEvidence[] = radii.map((r, k) => {
    let cert = 0;
    let emp = 0;
    let contradicted = 0;
    let abstainedOnCertified = 0;
    for (let i = 0; i < m; i++) {
      const isCert = certified.predictions[i] === labels[i] && certified.radii[i] >= r;
      const out = attacked[k][i];
      if (isCert) cert++;
      if (out === labels[i]) emp++;
      if (isCert && out !== labels[i]) {
        if (out === ABSTAIN) abstainedOnCertified++;
        else contradicted++;
      }
    }
    const tail = contradicted === 0 ? 1 : 1 - binomialCdf(contradicted - 1, cert, p);
    const status: CheckStatus = contradicted > 0 && tail < 0.001 ? 'fail' : contradicted > 0 || emp < cert ? 'warn' : 'pass';
    return {
      what: `radius ${r}: ${input.attack ?? 'attack'} vs the certificate`,
      values: { certified: cert / m, empirical: emp / m, images: m, contradicted, abstainedOnCertified, pValue: tail },
      status,
    };
  });
  const worst: CheckStatus = evidence.some((e) => e.status === 'fail') ? 'fail' : evidence.some((e) => e.status === 'warn') ? 'warn' : 'pass';
  const bad = evidence.find((e) => e.status === worst)!;
  const v = bad.values as Record<string, number>;
  const summary =
    worst === 'pass'
      ? `empirical robust accuracy is at least the certified accuracy at every radius (${radii.length} radii, ${m} images)`
      : worst === 'fail'
        ? `${bad.what}: ${v.contradicted} certified images broken (p = ${v.pValue.toExponential(1)} under the certificate's failure rate): a bug in the attack or in the certificate`
        : `${bad.what}: empirical ${pct(v.empirical)} vs certified ${pct(v.certified)}; ${v.contradicted} contradictions within chance, ${v.abstainedOnCertified} abstentions of PREDICT on certified images`;
  return { id: 'certified-vs-empirical', title: 'Empirical robust accuracy of the smoothed classifier is at least its certified accuracy', status: worst, summary, evidence };
}
