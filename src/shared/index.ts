export * from './contract';
export * from './events';
export * from './settings';
export * from './errors';
