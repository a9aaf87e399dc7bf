/**
 * Choosing and preparing a TF.js backend: `initBackend` picks the fastest one that works, and on
 * wasm installs saplab's replacements of slow or missing kernels.
 */
export * from './backend';
export * from './wasm_kernels';
