// Public surface of the simulator: the pure generator, its outputs and the CLI entry.

export { runSimulate, simulateCount } from './cli.js';
export { brokenEvent, malformedBytes } from './defects.js';
export {
  type Defect,
  defaultStartMs,
  defects,
  generateEvents,
  type SimulatedRecord,
  type SimulationOptions,
  simulate,
} from './generator.js';
export {
  jsonLine,
  kafkaMessages,
  ndjsonLine,
  type PacedFeed,
  paceRecords,
  playHistory,
  pushToSource,
  sendToKafka,
  writeAvroContainer,
  writeNdjson,
} from './outputs.js';
export { Prng } from './prng.js';
