import { faceSuite } from './face';
import { livenessSuite } from './liveness';
import { matcherSuite } from './matcher';
import { ortSuite } from './ort';
import { outboxSuite } from './outbox';
import { recognitionSuite } from './recognition';
import { siteSuite } from './site';
import { streamSuite } from './stream';
import { trackingSuite } from './tracking';
import type { BenchSuite } from './suite';

/**
 * Every benchmark suite `facegate bench --suite NAME` can run, in default order. To add one,
 * write a module exporting a BenchSuite and list it here.
 */
export const benchSuites: BenchSuite[] = [
  faceSuite,
  recognitionSuite,
  matcherSuite,
  livenessSuite,
  streamSuite,
  trackingSuite,
  outboxSuite,
  siteSuite,
  ortSuite,
];
