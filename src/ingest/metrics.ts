// Ingest counters on the shared registry (served at /metrics). Labels carry
// only bounded values: the rejection reason, never ids.
import { counter } from '../core/metrics.js';

export const recordsConsumed = counter({
  name: 'learnstream_source_records_consumed_total',
  help: 'Records read by the event sources (events, ticks and rejected records).',
});

export const recordsRejected = counter<'reason'>({
  name: 'learnstream_source_records_rejected_total',
  help: 'Records the sources rejected, by reason (each record once, however often it is read).',
  labelNames: ['reason'],
});

export const deadLetters = counter<'reason'>({
  name: 'learnstream_dead_letters_total',
  help: 'Rejected records written to the dead-letter output, by reason.',
  labelNames: ['reason'],
});

export const collectorEvents = counter<'outcome'>({
  name: 'learnstream_collector_events_total',
  help: 'Events posted to the collector endpoint, by outcome (accepted, rejected).',
  labelNames: ['outcome'],
});

export const deadLettersCut = counter<'form'>({
  name: 'learnstream_dead_letters_cut_total',
  help: 'Dead letters whose value did not fit: `truncated` (first 256 KiB kept), `minimal` (value and preview dropped after the topic refused it).',
  labelNames: ['form'],
});

export const catalogRecords = counter<'outcome'>({
  name: 'learnstream_catalog_records_total',
  help: 'Records read from the catalog topic, by outcome: created (a new version), unchanged / duplicate (already stored), rejected (dead-lettered).',
  labelNames: ['outcome'],
});
