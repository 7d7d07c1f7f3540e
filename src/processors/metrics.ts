// Prometheus metrics of the processors (shared registry, bounded labels:
// output and operator names, partition numbers; never tenant or learner ids).
import { counter, gauge } from '../core/metrics.js';

export const lateEventsTotal = counter<'operator'>({
  name: 'learnstream_late_events_total',
  help: 'Events too late for their window, by operator; routed to the late output.',
  labelNames: ['operator'],
});

export const windowsClosedTotal = counter<'output'>({
  name: 'learnstream_windows_closed_total',
  help: 'Final windows emitted, by output.',
  labelNames: ['output'],
});

export const recordsSkippedTotal = counter({
  name: 'learnstream_processor_records_skipped_total',
  help: 'Replayed records below the checkpointed offset, skipped because their effect is already in the state.',
});

export const sessionsAfterWeekClosed = counter({
  name: 'learnstream_weekly_sessions_after_close_total',
  help: 'Sessions that arrived after their week was final (only after a settings change across a restart).',
});

export const partitionWatermarkSeconds = gauge<'partition'>({
  name: 'learnstream_partition_watermark_seconds',
  help: 'Event-time watermark of each owned partition, epoch seconds.',
  labelNames: ['partition'],
});

export const engineWatermarkSeconds = gauge({
  name: 'learnstream_engine_watermark_seconds',
  help: 'Engine watermark (minimum over active partitions), epoch seconds.',
});

export const idlePartitions = gauge({
  name: 'learnstream_idle_partitions',
  help: 'Owned partitions excluded from the engine watermark because they have been quiet past the idle timeout.',
});
