// What the Java peers share besides their process and topics: the writer
// schemas they decode with, and the figures of a run from its marks — timed
// from the first record decoded to the last result durable, startup apart.
import { join } from 'node:path';
import { defaultSchemasDir } from '../../src/ingest/schema-registry.js';
import type { BenchTopic } from '../data.js';
import type { PeerRun, PeerSettings } from '../report/model.js';

/** Writer schemas the peers decode with, oldest first (the last is the reader schema). */
export const peerSchemas = () =>
  ['learning_event.v1.avsc', 'learning_event.v2.avsc'].map((f) => join(defaultSchemasDir, f)).join(',');

/** The figures of a peer run from its marks (START, FIRST) and the append time of its last result. */
export function peerRun(
  topic: BenchTopic,
  settings: PeerSettings,
  marks: Map<string, number>,
  lastDurableMs: number,
  outputCounts: number[],
): PeerRun {
  const first = marks.get('FIRST') ?? marks.get('START') ?? lastDurableMs;
  const seconds = (lastDurableMs - first) / 1000;
  return {
    records: topic.records,
    seconds,
    recordsPerSecond: topic.records / seconds,
    startupSeconds: (first - (marks.get('START') ?? first)) / 1000,
    sessions: outputCounts[0] ?? 0,
    weeklyUpdates: outputCounts[1] ?? 0,
    ...settings,
  };
}
