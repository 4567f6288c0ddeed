import { memoryStore } from '../../src/stores/memory.js';
import { registerDataSuite } from './data-suite.js';

registerDataSuite('memory', async () => {
  const store = memoryStore();
  return { store, shared: () => ({ store }) };
});
