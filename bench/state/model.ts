// The figures of the state-at-scale section: per learner count, the run of
// one instance (6 partition processors, checkpoints to ClickHouse), then the
// restore of that instance in a fresh process after kill -9.
import type { HeapRun, TargetCheck } from '../report/model.js';
import type { PartitionRestoreFigures } from './instance-state.js';
import type { Distribution } from './stats.js';

/** One checkpoint of the run: capture at a barrier (processing paused), then the save while processing goes on. */
export interface StateCheckpointFigures {
  captureMs: number;
  saveMs: number;
  /** Capture start to save end. */
  totalMs: number;
  parts: number;
  chars: number;
  /** Partitions whose checkpoint was a full one (the others wrote a delta on their chain); absent in reports before chains. */
  fullPartitions?: number;
  /** The checkpoint after the last event (taken with nothing else running). */
  final: boolean;
}

/** What the run child measures. */
export interface StateRunFigures {
  learners: number;
  events: number;
  partitions: number;
  /** Learner × topic entries the run creates (5 per learner once events ≥ learners). */
  masteryEntries: number;
  /** Seconds to build the learner table (ids, partitions), outside the timed run. */
  setupSeconds: number;
  /** Wall clock from the first event to the last one processed and its results drained (checkpoint captures included). */
  seconds: number;
  eventsPerSecond: number;
  /** Results drained (sessions, mastery snapshots, weekly partials, late events). */
  results: number;
  checkpointIntervalMs: number;
  checkpoints: StateCheckpointFigures[];
  checkpoint: { total: Distribution; capture: Distribution; save: Distribution };
  /** perf_hooks.monitorEventLoopDelay over the whole run (10 ms resolution). */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Peak resident set (the process's high-water mark, getrusage maxrss). */
  peakRssBytes: number;
  /** Highest V8 heap used seen at the end of a processing slice. */
  peakHeapBytes: number;
  maxOldSpaceMb: number;
  loadAverage1m: number;
  /** Next offset per partition after the run (the restore must come back to these). */
  offsets: (string | null)[];
}

/** The restore of the whole instance in a fresh process after the run's process was killed with SIGKILL. */
export interface StateRestoreFigures {
  partitions: PartitionRestoreFigures[];
  /** Inside the fresh process: first load to last partition restored, all partitions one after another. */
  restoreMs: number;
  loadMs: number;
  applyMs: number;
  /** From spawning the fresh process (Node and module start-up included) to its report. */
  spawnToRestoredMs: number;
  rssBytes: number;
  heapBytes: number;
  eventLoopDelayMaxMs: number;
  /** Every partition came back at the offset the run ended at. */
  offsetsMatch: boolean;
  /** Why the restore failed (the figures are then NaN), or null. */
  error: string | null;
}

export interface StateRun extends StateRunFigures {
  restore: StateRestoreFigures;
}

export interface StateSection {
  version: 1;
  date: string;
  command: string;
  smoke: boolean;
  machine: { cores: number; memoryGb: number; cpuModel: string; node: string; clickhouseServer: string };
  /** Heap per open session and per mastery entry (heap-per-key children). */
  heap: HeapRun[];
  runs: StateRun[];
  /** Learner counts whose run did not complete, and why. */
  failures: { learners: number; error: string }[];
  /** events/s of the largest learner count over the smallest's. */
  throughputRatio: number;
  targets: TargetCheck[];
}
