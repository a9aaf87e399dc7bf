export * from './sampler';
export * from './sap';
export * from './sap_layer';
export * from './with_sap';
export * from './predict';
