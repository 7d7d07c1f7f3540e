// Turns the `ingest` configuration section into codec options, so the engine,
// the producer and the simulator read Confluent ids and the clock-skew rule
// the same way.
import type { Config } from '../core/config.js';
import type { EventCodecOptions } from './codec.js';

/** `17=1,18=2` → Map { 17 → 1, 18 → 2 } (Confluent schema id → envelope version). */
export function parseConfluentSchemaIds(spec: string): Map<number, number> {
  const ids = new Map<number, number>();
  for (const pair of spec.split(',').filter(Boolean)) {
    const [id, version] = pair.split('=').map(Number);
    ids.set(id as number, version as number);
  }
  return ids;
}

export function codecOptionsFromConfig(config: Pick<Config, 'ingest'>): EventCodecOptions {
  return {
    confluentSchemaIds: parseConfluentSchemaIds(config.ingest.confluentSchemaIds),
    contract: { maxFutureMs: config.ingest.maxFutureMs },
  };
}
