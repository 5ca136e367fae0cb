/**
 * Every string the CLI writes goes through here: control characters (ESC sequences that recolour
 * or rewrite the terminal, NUL, carriage return, C1) and bidirectional overrides in names and other
 * stored text are shown as \uXXXX escapes instead of acting on the terminal. Tab and newline pass.
 * In --json output the escape is a valid JSON escape of the same character.
 */
import { unsafeMultilinePattern } from '../shared/plain-text';

const unsafe = new RegExp(unsafeMultilinePattern.source, 'gu');

export function escapeTerminal(text: string): string {
  return text.replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A stream whose string writes are escaped (Buffers, such as a JPEG, pass unchanged). */
export function terminalSafe(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Proxy(stream, {
    get(target, property, receiver) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean)(
            typeof chunk === 'string' ? escapeTerminal(chunk) : chunk,
            ...rest,
          );
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
