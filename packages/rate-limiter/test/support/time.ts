// One copy of the helpers: the published store suite needs them too.
export {
  nextWindow,
  roomInWindow,
  secondsToWindowEnd,
  sleep,
  uniqueKey,
  windowEnd,
} from '../../src/test-suite/time.js';
