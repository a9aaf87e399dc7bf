/**
 * The options of each attack by name, as the attacks declare them: the keys each one takes and
 * its resolver (defaults filled in, bad values rejected with the attack's own message). Configs,
 * the CLI and cost models read attacks' options through here and never restate a default.
 */
import { APGD_OPTION_KEYS, resolveApgdOptions, type ResolvedApgdOptions } from './apgd';
import { FGSM_OPTION_KEYS, resolveFgsmOptions, type ResolvedFgsmOptions } from './fgsm';
import { PGD_OPTION_KEYS, resolvePgdOptions, type ResolvedPgdOptions } from './pgd';
import { resolveSquareOptions, SQUARE_OPTION_KEYS, type ResolvedSquareOptions } from './square';
import { resolveSmoothAdvOptions, SMOOTH_ADV_OPTION_KEYS, type ResolvedSmoothAdvOptions } from './smooth_adv';

/** The attacks whose options resolve here (the others take their options from these: `apgdTargeted` from `apgd`). */
export type ResolvableAttack = 'fgsm' | 'pgd' | 'apgd' | 'square' | 'smoothAdv';

/** The resolved options of each attack by name. */
export interface ResolvedOptionsByName {
  fgsm: ResolvedFgsmOptions;
  pgd: ResolvedPgdOptions;
  apgd: ResolvedApgdOptions;
  square: ResolvedSquareOptions;
  smoothAdv: ResolvedSmoothAdvOptions;
}

/** The option keys each attack takes besides `eps`, `bounds`, `seed` and callbacks. */
export const ATTACK_OPTION_KEYS: { readonly [N in ResolvableAttack]: readonly string[] } = {
  fgsm: FGSM_OPTION_KEYS,
  pgd: PGD_OPTION_KEYS,
  apgd: APGD_OPTION_KEYS,
  square: SQUARE_OPTION_KEYS,
  smoothAdv: SMOOTH_ADV_OPTION_KEYS,
};

/**
 * The options of attack `name` with its defaults filled in. Throws the attack's own error for an
 * unknown attack, a key the attack does not take, or a bad value. `stochastic` (default `false`)
 * says whether the attacked model is stochastic, for defaults that depend on it (Square's
 * `predictSamples`).
 */
export function resolveAttackOptions<N extends ResolvableAttack>(name: N, options: Record<string, unknown>, context: { stochastic?: boolean } = {}): ResolvedOptionsByName[N] {
  if (!Object.keys(ATTACK_OPTION_KEYS).includes(name)) throw new Error(`unknown attack ${JSON.stringify(name)}; use one of ${Object.keys(ATTACK_OPTION_KEYS).join(', ')}`);
  const keys = ATTACK_OPTION_KEYS[name];
  for (const k of Object.keys(options)) if (options[k] !== undefined && !keys.includes(k)) throw new Error(`${name}: unknown option "${k}" (${name} takes ${keys.join(', ')})`);
  const o = options as never;
  switch (name) {
    case 'fgsm':
      return resolveFgsmOptions(o) as ResolvedOptionsByName[N];
    case 'pgd':
      return resolvePgdOptions(o) as ResolvedOptionsByName[N];
    case 'apgd':
      return resolveApgdOptions(o) as ResolvedOptionsByName[N];
    case 'smoothAdv':
      return resolveSmoothAdvOptions(o) as ResolvedOptionsByName[N];
    default:
      return resolveSquareOptions(o, context.stochastic ?? false) as ResolvedOptionsByName[N];
  }
}
