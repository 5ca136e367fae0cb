/** Database times are epoch milliseconds (UTC); the shared types carry ISO 8601 strings. */
export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString();
}
