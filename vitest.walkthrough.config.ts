// The walk-throughs (test/walkthrough/*.walk.ts): whole seasons on the real servers, run by `npm run walkthrough`,
// not by `npm test` (minutes each; their counts go to .data/). The same setup as the tests.
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

export default defineConfig({ test: { ...base.test, include: ['test/walkthrough/*.walk.ts'] } });
