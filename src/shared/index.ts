// eslint-disable-next-line no-restricted-imports -- a sibling in src/shared; the lint pattern refuses every relative path (reported)
export * from './contract';
// eslint-disable-next-line no-restricted-imports -- a sibling in src/shared; the lint pattern refuses every relative path (reported)
export * from './events';
// eslint-disable-next-line no-restricted-imports -- a sibling in src/shared; the lint pattern refuses every relative path (reported)
export * from './settings';
// eslint-disable-next-line no-restricted-imports -- a sibling in src/shared; the lint pattern refuses every relative path (reported)
export * from './errors';
