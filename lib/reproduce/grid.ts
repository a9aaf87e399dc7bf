/**
 * The cells of a `saplab reproduce` protocol: every (defense, attack) pair it runs, the eps values
 * of each attack, and the cost model (forward-pass equivalents) behind the time estimate and the
 * progress bar.
 */
import type { AttackSpec, DefenseSpec, ReproduceConfig } from './spec';
import { hasBpda, isStochasticKind } from './stochastic_defenses';
import { AUTOATTACK_VERSIONS } from '../attacks/suite';

/** Every (defense, attack) pair the grid runs, `clean` included once per defense. */
export function gridPairs(c: ReproduceConfig): { defense: DefenseSpec; attack?: AttackSpec }[] {
  const out: { defense: DefenseSpec; attack?: AttackSpec }[] = [];
  for (const d of c.defenses) {
    out.push({ defense: d });
    for (const a of c.attacks) {
      if (a.only && !a.only.includes(d.name)) continue;
      if (a.bpda && !hasBpda(d.kind)) continue; // BPDA differs from PGD only through the defense's backward
      if (a.transferFrom === d.name) continue; // transfer to the source itself is the white-box attack
      out.push({ defense: d, attack: a });
    }
  }
  return out;
}

/**
 * Work units of one cell (one eps) of `defense` under `attack` (none: the clean cell), in
 * forward-pass equivalents (a gradient counts about 3 passes).
 */
export function cellCost(c: ReproduceConfig, defense: DefenseSpec, attack?: AttackSpec | null): number {
  const samples = isStochasticKind(defense.kind) ? c.predictSamples : 1;
  if (!attack) return c.n * samples;
  let perImage = 0;
  const crafter = attack.transferFrom ? c.defenses.find((d) => d.name === attack.transferFrom) ?? defense : defense;
  const eot = isStochasticKind(crafter.kind) ? attack.eotSamples ?? 1 : 1;
  if (attack.method === 'fgsm') perImage = 3 * eot;
  else if (attack.method === 'pgd') perImage = 3 * eot * (attack.steps ?? 10) * (attack.restarts ?? 1);
  else if (attack.method === 'apgd') perImage = 3 * eot * (attack.steps ?? 100);
  else if (attack.method === 'autoattack') return c.n * suiteCostPerImage(attack, isStochasticKind(defense.kind), samples);
  else perImage = (attack.queries ?? 1000) * (isStochasticKind(defense.kind) ? attack.predictSamples ?? 1 : 1);
  return c.n * (perImage + samples);
}

/**
 * Work units of the grid, in forward-pass equivalents (a gradient counts about 3 passes), used
 * for the time estimate printed before a run.
 */
export function gridCost(c: ReproduceConfig): number {
  let cost = 0;
  for (const { defense, attack } of gridPairs(c)) cost += (attack ? attackEps(c, attack).length : 1) * cellCost(c, defense, attack);
  return cost;
}

/** The eps values an attack runs at: its own `eps` if set, else the grid's non-zero eps. */
export function attackEps(c: ReproduceConfig, attack: AttackSpec): number[] {
  return attack.eps ?? c.eps.filter((e) => e > 0);
}

/**
 * Work units per image of an `autoattack` cell, an upper bound: every attack of the suite on every
 * image for its whole budget, plus a `samples`-pass prediction after each. The suite attacks only
 * the images still robust and APGD stops on an image once it breaks, so a run costs less, by how
 * much depends on the defense and eps.
 */
export function suiteCostPerImage(attack: AttackSpec, stochastic: boolean, samples: number): number {
  const eot = stochastic ? attack.eotSamples ?? 20 : 1;
  const apgdRun = 3 * eot * ((attack.steps ?? 100) + 1) * (attack.restarts ?? 1);
  const names = attack.suite ?? AUTOATTACK_VERSIONS[attack.version ?? 'rand'];
  let cost = samples; // the clean prediction
  for (const name of names) {
    if (name === 'square') cost += (attack.queries ?? 5000) * (stochastic ? attack.predictSamples ?? eot : 1);
    else cost += name === 'apgd-t' ? (attack.targetClasses ?? 9) * (apgdRun + eot) : apgdRun;
    cost += samples;
  }
  return cost;
}
