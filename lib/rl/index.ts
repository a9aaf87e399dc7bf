/** Reinforcement learning: the Catch game, DQN, and SAP and attacks on the agent's observations. */
export * from './catch';
export * from './replay_buffer';
export * from './schedule';
export * from './huber';
export * from './q_network';
export * from './dqn';
export * from './agent';
export * from './observation_attack';
export * from './play';
export * from './evaluate_config';
export * from './evaluate_grid';
export * from './evaluate_report';
