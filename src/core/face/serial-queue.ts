// The one queue helper lives in src/core/serial-queue.ts; this path stays for existing imports.
export { SerialQueue } from '../serial-queue';
