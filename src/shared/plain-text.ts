/**
 * Characters that must never be in a name, a code or a group: C0 and C1 controls (NUL, ESC and
 * the terminal escape sequences it starts, backspace, carriage return, DEL...), line and paragraph
 * separators, and the bidirectional embedding, override and isolate controls (U+202A-U+202E,
 * U+2066-U+2069) that make "Eve\u202Egnp.exe" read as something else. Notes keep tab and newline.
 */
// Matching control characters is the point here.
// eslint-disable-next-line no-control-regex
export const unsafeTextPattern = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** The same, less tab and newline (notes; what the CLI escapes in its output). */
export const unsafeMultilinePattern =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export const controlCharacterMessage =
  'must not contain control characters (such as ESC or NUL) or bidirectional override characters';

/** True when `text` has no character of unsafeTextPattern (for one-line fields). */
export function isPlainText(text: string): boolean {
  return !unsafeTextPattern.test(text);
}

/** True when `text` has no unsafe character other than tab and newline (for notes). */
export function isPlainMultilineText(text: string): boolean {
  return !unsafeMultilinePattern.test(text);
}
