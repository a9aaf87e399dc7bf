/**
 * Backend selection: picks the fastest TF.js backend that actually works on this machine.
 *
 * Order: `tensorflow` from `@tensorflow/tfjs-node-gpu` (CUDA), `tensorflow` from
 * `@tensorflow/tfjs-node` (native CPU), `wasm` (`@tensorflow/tfjs-backend-wasm`), then `cpu`
 * (pure JavaScript). A candidate counts only when `tf.setBackend` succeeds and `tf.getBackend()`
 * then names it: a package that loads but cannot run is skipped. `SAPLAB_BACKEND` (or the
 * `backend` option) forces one candidate and fails loudly when it is not available.
 */
import * as tf from '@tensorflow/tfjs';

/** The backends saplab can run on, fastest first. */
export const BACKEND_CHOICES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** A TF.js backend saplab can activate. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The backend `initBackend` activated, and why faster ones were skipped. */
export interface BackendInfo {
  /** The candidate that is active: `tensorflow-gpu`, `tensorflow`, `wasm` or `cpu`. */
  choice: BackendChoice;
  /** What `tf.getBackend()` reports (`tensorflow` for both native builds). */
  name: string;
  /** `@tensorflow/tfjs-core` version. */
  tfjsVersion: string;
  /** Human-readable one-liner, e.g. `wasm (SIMD) · tfjs 4.22.0`. */
  description: string;
  /** Candidates that were tried before this one and why each was skipped. */
  skipped: { choice: BackendChoice; reason: string }[];
}

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Force a backend; default `process.env.SAPLAB_BACKEND`, else `auto` (fastest that works). */
  backend?: BackendChoice | 'auto';
  /** Print the chosen backend to stderr. Default `false`. */
  verbose?: boolean;
}

let current: BackendInfo | undefined;
let currentRequest: BackendChoice | 'auto' | undefined;
const setupHooks: ((info: BackendInfo) => void)[] = [];

/**
 * Registers a function run once each time a backend becomes active through `initBackend`
 * (used to install backend-specific fast kernels and gradients).
 */
function onBackendReady(hook: (info: BackendInfo) => void): void {
  setupHooks.push(hook);
  if (current) hook(current);
}

/**
 * A backend name as `initBackend` reads it (`gpu` and `node` are short for `tensorflow-gpu` and
 * `tensorflow`; empty or absent means `auto`); throws naming `source` when it is not one.
 */
export function parseBackendChoice(value: string | undefined, source: string): BackendChoice | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  const v = value === 'gpu' ? 'tensorflow-gpu' : value === 'node' ? 'tensorflow' : value;
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new Error(
    `${source}=${JSON.stringify(value)} is not a backend saplab knows; use one of ${BACKEND_CHOICES.join(', ')} or auto`,
  );
}

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}

/** Loads the package that provides `choice`; returns the TF.js backend name it registers. */
function loadPackage(choice: BackendChoice): string {
  switch (choice) {
    case 'tensorflow-gpu':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node-gpu');
      return 'tensorflow';
    case 'tensorflow':
      require('@tensorflow/tfjs-node');
      return 'tensorflow';
    case 'wasm':
      require('@tensorflow/tfjs-backend-wasm');
      return 'wasm';
    case 'cpu':
      return 'cpu';
  }
}

async function tryActivate(choice: BackendChoice): Promise<string | undefined> {
  let name: string;
  try {
    name = loadPackage(choice);
  } catch (e) {
    return `package not installed or failed to load (${errorText(e)})`;
  }
  if (choice === 'tensorflow' && tf.findBackend('tensorflow') && nativeFlavour() === 'gpu') {
    return 'the native backend already loaded is the GPU build';
  }
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed`;
    await tf.ready();
  } catch (e) {
    return `tf.setBackend('${name}') threw (${errorText(e)})`;
  }
  if (tf.getBackend() !== name) return `tf.getBackend() is ${tf.getBackend()}, not ${name}`;
  return undefined;
}

let loadedNative: 'gpu' | 'cpu' | undefined;
function nativeFlavour(): 'gpu' | 'cpu' | undefined {
  return loadedNative;
}

function describe(choice: BackendChoice): string {
  const version = tf.version.tfjs ?? tf.version_core;
  let detail = '';
  if (choice === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    detail = ` (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : '1 thread'})`;
  } else if (choice === 'tensorflow-gpu') detail = ' (libtensorflow, CUDA build)';
  else if (choice === 'tensorflow') detail = ' (libtensorflow, CPU)';
  else detail = ' (plain JavaScript)';
  return `${choice}${detail} · tfjs ${version}`;
}

/**
 * Activates the fastest backend that works (or the forced one) and returns what is active.
 * Idempotent: later calls with the same request return the active backend at once.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const requested =
    options.backend !== undefined
      ? parseBackendChoice(options.backend, 'backend')
      : parseBackendChoice(process.env.SAPLAB_BACKEND, 'SAPLAB_BACKEND');
  if (current && (requested === currentRequest || requested === current.choice) && tf.getBackend() === current.name) {
    return current;
  }
  const candidates: readonly BackendChoice[] = requested === 'auto' ? BACKEND_CHOICES : [requested];
  const skipped: BackendInfo['skipped'] = [];
  for (const choice of candidates) {
    const reason = await tryActivate(choice);
    if (reason !== undefined) {
      skipped.push({ choice, reason });
      continue;
    }
    if (choice === 'tensorflow-gpu') loadedNative = 'gpu';
    if (choice === 'tensorflow' && !loadedNative) loadedNative = 'cpu';
    current = {
      choice,
      name: tf.getBackend(),
      tfjsVersion: tf.version_core,
      description: describe(choice),
      skipped,
    };
    currentRequest = requested;
    for (const hook of setupHooks) hook(current);
    if (options.verbose) process.stderr.write(`saplab backend: ${current.description}\n`);
    return current;
  }
  const detail = skipped.map((s) => `  ${s.choice}: ${s.reason}`).join('\n');
  if (requested !== 'auto') {
    throw new Error(
      `backend '${requested}' is not available:\n${detail}\n` +
        `See environment.md for what each backend needs, or unset SAPLAB_BACKEND to pick automatically.`,
    );
  }
  throw new Error(`no TF.js backend could be activated:\n${detail}`);
}

/** The backend `initBackend` activated, or `undefined` before the first call. */
export function backendInfo(): BackendInfo | undefined {
  return current && tf.getBackend() === current.name ? current : undefined;
}

import { installWasmKernels } from './wasm_kernels';
onBackendReady((info) => {
  // The wasm backend's convolution input gradient, max-pool gradient and transposed matmul are
  // slow loops and it has no convolution filter gradient at all: replace them (once).
  if (info.choice === 'wasm') installWasmKernels();
});
