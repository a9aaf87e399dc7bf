/**
 * The cells of a `saplab reproduce` protocol: every (defense, attack) pair it runs, the eps values
 * of each attack, and the cost model (forward-pass equivalents) behind the time estimate and the
 * progress bar.
 */
import { resolvedAttack, type AttackSpec, type DefenseSpec, type ReproduceConfig } from './spec';
import { cellKey } from './run_folder';
import { hasBpda, isCertifiedKind, isStochasticKind } from './stochastic_defenses';
import { AUTOATTACK_VERSIONS } from '../attacks/suite';

/** Every (defense, attack) pair the grid runs, `clean` included once per defense. */
export function gridPairs(c: ReproduceConfig): { defense: DefenseSpec; attack?: AttackSpec }[] {
  const out: { defense: DefenseSpec; attack?: AttackSpec }[] = [];
  for (const d of c.defenses) {
    out.push({ defense: d });
    for (const a of c.attacks) {
      if (a.only && !a.only.includes(d.name)) continue;
      if (a.bpda && !hasBpda(d.kind)) continue; // BPDA differs from PGD only through the defense's backward
      if (a.method === 'smoothAdv' && !isCertifiedKind(d.kind)) continue; // SmoothAdv attacks a smoothed classifier
      if (a.transferFrom === d.name) continue; // transfer to the source itself is the white-box attack
      out.push({ defense: d, attack: a });
    }
  }
  return out;
}

/**
 * Work units of one cell (one eps) of `defense` under `attack` (none: the clean cell), in
 * forward-pass equivalents (a gradient counts about 3 passes), from the options the attack runs
 * with (left-out keys take the attack's own defaults).
 */
export function cellCost(c: ReproduceConfig, defense: DefenseSpec, attack?: AttackSpec | null): number {
  // A smoothed defense's decision is PREDICT's (certify.predictN noisy passes), besides the
  // predictSamples-pass softmax its calibration is measured on.
  const samples = isStochasticKind(defense.kind) ? c.predictSamples + (isCertifiedKind(defense.kind) ? c.certify?.predictN ?? 0 : 0) : 1;
  if (!attack) return c.n * samples;
  const crafter = attack.transferFrom ? c.defenses.find((d) => d.name === attack.transferFrom) ?? defense : defense;
  if (attack.method === 'autoattack') return c.n * suiteCostPerImage(attack, isStochasticKind(defense.kind), samples);
  // The options the attack runs with: the spec's, and the attack's own defaults for the rest.
  let perImage: number;
  if (attack.method === 'square') {
    const o = resolvedAttack({ ...attack, method: 'square' }, isStochasticKind(defense.kind));
    perImage = o.queries * (isStochasticKind(defense.kind) ? o.predictSamples : 1);
  } else {
    const o = resolvedAttack({ ...attack, method: attack.method }, isStochasticKind(crafter.kind));
    const eot = isStochasticKind(crafter.kind) ? o.eotSamples : 1;
    const steps = 'steps' in o ? o.steps : 1;
    const restarts = 'restarts' in o ? o.restarts : 1;
    // SmoothAdv's every gradient passes `noiseSamples` noisy copies of each image.
    const noise = 'noiseSamples' in o ? o.noiseSamples : 1;
    perImage = 3 * eot * steps * restarts * noise;
  }
  return c.n * (perImage + samples);
}

/** Work units of the certification cell of a smoothed defense: CERTIFY's `n0 + n` noisy passes per image. */
export function certifyCost(c: ReproduceConfig): number {
  return c.certify ? c.n * (c.certify.n0 + c.certify.n) : 0;
}

/**
 * Work units of the grid, in forward-pass equivalents (a gradient counts about 3 passes), used
 * for the time estimate printed before a run.
 */
export function gridCost(c: ReproduceConfig): number {
  let cost = 0;
  for (const { defense, attack } of gridPairs(c)) cost += (attack ? attackEps(c, attack).length : 1) * cellCost(c, defense, attack);
  for (const d of c.defenses) if (isCertifiedKind(d.kind)) cost += certifyCost(c);
  return cost;
}

/**
 * The part of `gridCost` spent in CERTIFY's and PREDICT's noisy passes of the smoothed defenses
 * (batches of 1000 noisy copies, far cheaper per row than an attack's small batches): the time
 * estimate times it at that batch size.
 */
export function smoothingSampleCost(c: ReproduceConfig): number {
  let cost = 0;
  for (const { defense, attack } of gridPairs(c)) if (isCertifiedKind(defense.kind)) cost += (attack ? attackEps(c, attack).length : 1) * c.n * (c.certify?.predictN ?? 0);
  for (const d of c.defenses) if (isCertifiedKind(d.kind)) cost += certifyCost(c);
  return cost;
}

/** The eps values an attack runs at: its own `eps` if set, else the grid's non-zero eps. */
export function attackEps(c: ReproduceConfig, attack: AttackSpec): number[] {
  return attack.eps ?? c.eps.filter((e) => e > 0);
}

/** The attack name of certification cells (`<defense> × certify`). */
export const CERTIFY_CELL = 'certify';

/**
 * One cell of the grid: a defense under an attack at one eps (no attack: the clean cell at eps 0),
 * or the certification cell of a smoothed defense (`certify`, eps 0).
 */
export interface GridCellSpec {
  /** File name in `cells/` (see `cellKey`). */
  key: string;
  defense: DefenseSpec;
  attack?: AttackSpec;
  eps: number;
  /** The certification cell of a smoothed defense (CERTIFY on every image; no attack). */
  certify?: true;
}

/**
 * Every cell of the grid in the order of the report: per defense, clean first (then its
 * certification cell when it is smoothed), then each attack's eps.
 */
export function gridCells(c: ReproduceConfig): GridCellSpec[] {
  const out: GridCellSpec[] = [];
  for (const { defense, attack } of gridPairs(c)) {
    for (const eps of attack ? attackEps(c, attack) : [0]) out.push({ key: cellKey(defense.name, attack?.name ?? 'clean', eps), defense, ...(attack ? { attack } : {}), eps });
    if (!attack && isCertifiedKind(defense.kind)) out.push({ key: cellKey(defense.name, CERTIFY_CELL, 0), defense, eps: 0, certify: true });
  }
  return out;
}

/**
 * Work units per image of an `autoattack` cell, an upper bound: every attack of the suite on every
 * image for its whole budget, plus a `samples`-pass prediction after each. The suite attacks only
 * the images still robust and APGD stops on an image once it breaks, so a run costs less, by how
 * much depends on the defense and eps.
 */
function suiteCostPerImage(attack: AttackSpec, stochastic: boolean, samples: number): number {
  const eot = stochastic ? attack.eotSamples ?? 20 : 1;
  const apgdRun = 3 * eot * ((attack.steps ?? 100) + 1) * (attack.restarts ?? 1);
  const names = attack.suite ?? AUTOATTACK_VERSIONS[attack.version ?? 'rand'];
  let cost = samples; // the clean prediction
  // The transfer stage on a stochastic row: one pass a step on the surrogate, then a prediction.
  if (stochastic && attack.surrogate && !names.includes('transfer')) cost += 3 * (attack.surrogateSteps ?? 100) + samples;
  for (const name of names) {
    if (name === 'transfer') {
      if (stochastic && attack.surrogate) cost += 3 * (attack.surrogateSteps ?? 100) + samples;
      continue;
    }
    if (name === 'square') cost += (attack.queries ?? 5000) * (stochastic ? attack.predictSamples ?? eot : 1);
    else cost += name === 'apgd-t' ? (attack.targetClasses ?? 9) * (apgdRun + eot) : apgdRun;
    cost += samples;
  }
  return cost;
}
