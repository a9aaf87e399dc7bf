/**
 * Seeds and random numbers. One user seed feeds everything random in saplab.
 *
 * TF.js has no global seed: each random op takes its own, and a seed of `0` (or `undefined`)
 * means *unseeded* there (`seed || Math.random()`). `deriveSeed` therefore maps a user seed plus
 * a label path to a non-zero 31-bit integer, and `Rng` is a fast seeded generator for sampling
 * done in JavaScript (SAP masks, shuffles, random starts).
 */

/** Default seed used when a caller gives none. */
export const DEFAULT_SEED = 1803;

/**
 * `seed` checked: an integer (the one rule for seeds in options, configs and flags). Throws
 * `<where>: seed must be an integer, got ...` (without the prefix when `where` is empty).
 */
export function checkSeed(seed: unknown, where = ''): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`${where ? `${where}: ` : ''}seed must be an integer, got ${JSON.stringify(seed)}`);
  return seed;
}

/** 32-bit mix (murmur3 finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = mix32(h ^ Math.imul(s.charCodeAt(i), 0x9e3779b1));
  return h;
}

/**
 * A non-zero seed in `[1, 2^31 - 1]` derived from `seed` and a path of labels, e.g.
 * `deriveSeed(seed, 'pgd', restart)`. Different paths give unrelated seeds; never returns 0,
 * so it is always a real seed for TF.js random ops.
 */
export function deriveSeed(seed: number, ...path: (string | number)[]): number {
  checkSeed(seed);
  let h = mix32((seed | 0) ^ 0x5bd1e995) ^ mix32(Math.floor(seed / 2 ** 32));
  for (const p of path) h = hashString(typeof p === 'number' ? `#${p}` : p, mix32(h + 0x27d4eb2f));
  const out = mix32(h) & 0x7fffffff;
  return out === 0 ? 1 : out;
}

/**
 * Seeded pseudo-random generator (sfc32): fast, 32-bit state words, period about 2^128.
 * The same seed gives the same stream on every machine and backend.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    checkSeed(seed);
    this.a = deriveSeed(seed, 'a');
    this.b = deriveSeed(seed, 'b');
    this.c = deriveSeed(seed, 'c');
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /**
   * Fills `out` with uniform 32-bit unsigned integers: the same numbers as that many
   * `nextUint32()` calls, generated in a tight loop (for samplers that need millions).
   */
  fillUint32(out: Uint32Array): Uint32Array {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = 0; i < out.length; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      out[i] = t >>> 0;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return out;
  }

  /** The generator's state (four 32-bit words), e.g. to continue the same stream in another thread. */
  getState(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  /** Sets the state returned by `getState` (the stream continues from there). */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v))) throw new Error(`Rng state must be four integers, got ${JSON.stringify(state)}`);
    [this.a, this.b, this.c, this.d] = state.map((v) => v | 0);
  }

  /** Uniform float in `[0, 1)` with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in `[0, n)`. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A non-zero seed for a TF.js random op, drawn from this stream. */
  seed(): number {
    return (this.nextUint32() & 0x7fffffff) || 1;
  }

  /** Standard normal draw (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }
}

/** `[0, 1, ..., n-1]` in a seeded random order. */
export function permutation(n: number, seed: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return new Rng(seed).shuffle(idx);
}
