/**
 * The admin PIN rule, in one place for the service (contract) and the screens: 6 to 12 digits
 * (a million guesses at the least; the lockout in docs/app.md bounds how fast they come).
 * No zod here, so the renderer can use it without bundling the contract.
 */
export const pinPattern = /^\d{6,12}$/;

export function isValidPin(pin: string): boolean {
  return pinPattern.test(pin);
}
