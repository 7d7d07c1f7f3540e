// Child process of the memory run (node --expose-gc): heap bytes per tracked
// key of learnstream's operators, at a given number of keys (V8 heap plus
// ArrayBuffer backing stores, where typed-array state lives). "open sessions":
// one open session per learner in SessionWindowOperator; "mastery entries":
// learner × topic entries in MasteryOperator. Heap measured after forced GC,
// before and after the keys exist; ids look like real pseudonyms (32 hex).
// A sampling heap profile (.heapprofile, as `node --heap-prof` writes) is
// taken while the keys are still alive: it shows where the bytes sit.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import {
  defaultEngineSettings,
  MasteryOperator,
  NO_WATERMARK,
  SessionWindowOperator,
} from '../../src/processors/index.js';
import { activityEvent, questionAttemptEvent } from '../../src/processors/testing/index.js';
import { childMain } from '../children.js';

interface Input {
  kind: 'sessions' | 'mastery';
  keys: number;
  profile: string;
}

const topicsPerLearner = 5;
const t0 = Date.UTC(2026, 0, 5, 9);

/** V8 heap used plus ArrayBuffer backing stores (typed-array state lives outside the V8 heap). */
function settledHeap(): { heapUsed: number; arrayBuffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

const pseudonym = (i: number) => i.toString(16).padStart(32, '0');

childMain(async (input: Input) => {
  const settings = defaultEngineSettings();
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 8192 });
  const before = settledHeap();
  let operator: SessionWindowOperator | MasteryOperator;
  if (input.kind === 'sessions') {
    const op = new SessionWindowOperator(settings);
    for (let i = 0; i < input.keys; i++) {
      op.process(
        activityEvent(t0 + (i % 1000), { tenantId: `tenant-${i % 8}`, learnerId: pseudonym(i) }),
        NO_WATERMARK,
      );
    }
    operator = op;
  } else {
    const op = new MasteryOperator(settings);
    for (let i = 0; i < input.keys; i++) {
      const learner = Math.floor(i / topicsPerLearner);
      op.process(
        questionAttemptEvent(
          t0 + (i % 1000),
          { tenantId: `tenant-${learner % 8}`, learnerId: pseudonym(learner) },
          { topicIds: [`topic-${i % topicsPerLearner}`], correct: i % 3 !== 0, score: i % 3 !== 0 ? 1 : 0 },
        ),
        NO_WATERMARK,
      );
    }
    operator = op;
  }
  const after = settledHeap();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  // The tree of allocation sites is the story; the per-sample list only makes the file big.
  writeFileSync(input.profile, JSON.stringify({ head: profile.head }));
  session.disconnect();
  // Keep the operator reachable until after the measurement.
  if (!operator) throw new Error('unreachable');
  const heapBytes = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  return {
    kind: input.kind,
    keys: input.keys,
    heapBytes,
    arrayBufferBytes: after.arrayBuffers - before.arrayBuffers,
    bytesPerKey: heapBytes / input.keys,
  };
});
