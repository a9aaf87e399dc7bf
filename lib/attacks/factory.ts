/**
 * Attacks with fixed options, in the `(model, x, y, {eps, seed}) => adv` shape `robustAccuracy`
 * calls: `attacks.pgd({ steps: 40, eotSamples: 16 })`, or by name with `makeAttack('pgd', {...})`.
 * `eps` and `seed` come from the caller of the returned function.
 */
import { apgd, type ApgdOptions } from './apgd';
import { apgdTargeted, type ApgdTargetedOptions } from './apgd_targeted';
import { fgsm, type FgsmOptions } from './fgsm';
import { pgd, type PgdOptions } from './pgd';
import { square, type SquareOptions } from './square';
import { resolveSmoothAdvOptions, smoothAdv, type SmoothAdvOptions } from './smooth_adv';
import type { SmoothedModel } from '../defenses/smoothing';
import type { Attack } from './types';

/** Options of an attack without the per-call `eps` and `seed`. */
export type Fixed<T> = Omit<T, 'eps' | 'seed'>;

/** The fixed options of each attack by name (everything but eps and seed). */
export interface AttackOptionsByName {
  fgsm: Fixed<FgsmOptions>;
  pgd: Fixed<PgdOptions>;
  apgd: Fixed<ApgdOptions>;
  apgdTargeted: Fixed<ApgdTargetedOptions>;
  square: Fixed<SquareOptions>;
  smoothAdv: Fixed<SmoothAdvOptions>;
}
/** Name of an attack `makeAttack` builds (`fgsm`, `pgd`, `apgd`, `apgdTargeted`, `square`, `smoothAdv`). */
export type AttackName = keyof AttackOptionsByName;
/** Every attack `makeAttack` builds, by name. */
export const ATTACK_NAMES: readonly AttackName[] = ['fgsm', 'pgd', 'apgd', 'apgdTargeted', 'square', 'smoothAdv'];

const SHORT: Record<string, string> = {
  eotSamples: 'eot',
  relStepsize: 'rel',
  randomStart: 'rs',
  predictSamples: 'samples',
  noiseSamples: 'm',
};

/** `name(key=value, ...)` of the options that are set (callbacks left out). */
function describe(name: string, options: object): string {
  const parts = Object.entries(options)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .map(([k, v]) => `${SHORT[k] ?? k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`);
  return parts.length ? `${name}(${parts.join(', ')})` : name;
}

function checkFixed(name: string, options: object | undefined): object {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new Error(`attacks.${name}: options must be an object`);
  if ('eps' in o || 'seed' in o) throw new Error(`attacks.${name}: eps and seed are given per call (by robustAccuracy), not fixed in the factory`);
  return o;
}

function fixed<T extends object>(name: string, run: (...args: Parameters<Attack>) => ReturnType<Attack>, options: T): Attack {
  const a = run as Attack;
  a.label = describe(name, options);
  return a;
}

/** Factories of attacks with fixed options. */
export const attacks = {
  /** FGSM with fixed options (see `fgsm`). */
  fgsm(options: Fixed<FgsmOptions> = {}): Attack {
    const o = checkFixed('fgsm', options) as Fixed<FgsmOptions>;
    return fixed('fgsm', (model, x, y, { eps, seed }) => fgsm(model, x, y, { ...o, eps, seed }), o);
  },
  /** PGD with fixed options (see `pgd`). */
  pgd(options: Fixed<PgdOptions> = {}): Attack {
    const o = checkFixed('pgd', options) as Fixed<PgdOptions>;
    return fixed('pgd', (model, x, y, { eps, seed }) => pgd(model, x, y, { ...o, eps, seed }), o);
  },
  /** APGD with fixed options (see `apgd`). */
  apgd(options: Fixed<ApgdOptions> = {}): Attack {
    const o = checkFixed('apgd', options) as Fixed<ApgdOptions>;
    return fixed('apgd', (model, x, y, { eps, seed }) => apgd(model, x, y, { ...o, eps, seed }), o);
  },
  /** APGD-T with fixed options (see `apgdTargeted`). */
  apgdTargeted(options: Fixed<ApgdTargetedOptions> = {}): Attack {
    const o = checkFixed('apgdTargeted', options) as Fixed<ApgdTargetedOptions>;
    return fixed('apgd-t', (model, x, y, { eps, seed }) => apgdTargeted(model, x, y, { ...o, eps, seed }), o);
  },
  /** Square Attack with fixed options (see `square`). */
  square(options: Fixed<SquareOptions> = {}): Attack {
    const o = checkFixed('square', options) as Fixed<SquareOptions>;
    return fixed('square', (model, x, y, { eps, seed }) => square(model, x, y, { ...o, eps, seed }), o);
  },
  /**
   * SmoothAdv with fixed options (see `smoothAdv`): its options are checked here, once; the
   * returned attack takes a smoothed model (`withGaussianSmoothing`) and throws for any other.
   */
  smoothAdv(options: Fixed<SmoothAdvOptions> = {}): Attack {
    const o = checkFixed('smoothAdv', options) as Fixed<SmoothAdvOptions>;
    resolveSmoothAdvOptions(o, 'attacks.smoothAdv');
    return fixed(
      'smoothAdv',
      (model, x, y, { eps, seed }) => {
        if (typeof (model as Partial<SmoothedModel>).sigma !== 'number') throw new Error(`attacks.smoothAdv: the model must be a smoothed classifier from withGaussianSmoothing, got ${model.label ?? 'a model without sigma'}`);
        return smoothAdv(model as SmoothedModel, x, y, { ...o, eps, seed });
      },
      o,
    );
  },
};

/** An attack by name with fixed options, e.g. `makeAttack('apgd', { loss: 'dlr', eotSamples: 20 })`. */
export function makeAttack<N extends AttackName>(name: N, options: AttackOptionsByName[N] = {} as AttackOptionsByName[N]): Attack {
  if (!(ATTACK_NAMES as readonly string[]).includes(name)) {
    throw new Error(`makeAttack: unknown attack ${JSON.stringify(name)}; use one of ${ATTACK_NAMES.join(', ')}`);
  }
  return (attacks[name] as (o: AttackOptionsByName[N]) => Attack)(options);
}
