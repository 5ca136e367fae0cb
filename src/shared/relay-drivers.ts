/** The relay board protocols (kept free of zod: the early relock at start loads only this). */
export const relayDrivers = ['lcus', 'kmtronic', 'numato', 'modbus', 'hex'] as const;
export type RelayDriverName = (typeof relayDrivers)[number];
