/**
 * The protocol of `saplab reproduce`: which models, defenses, attacks, eps values and sample
 * counts make up the experiment. Every choice is a key with a documented default; `--quick`,
 * the default and `--full` are presets; a JSON config file overrides keys of the preset.
 *
 * This module gathers the protocol's parts: the spec types (`spec.ts`), the presets
 * (`presets.ts`), validation (`validate.ts`) and the grid's cells and cost (`grid.ts`).
 */
export * from './spec';
export * from './presets';
export * from './validate';
export * from './grid';
