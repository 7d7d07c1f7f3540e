// Public surface of ingest: the event contract, Avro codecs and schemas, the
// producer library, the event sources (Kafka, in-process), the collector
// route, pseudonymisation and the simulator.

// Implementations of the Kafka port (swap the client by passing `client` to the producer and source).
export type { BrokerAdmin, BrokerClient, BrokerConsumer, BrokerProducer } from './broker.js';
export {
  createEventCodec,
  type DecodeOptions,
  type DecodeRejection,
  type DecodeResult,
  type EncodeOptions,
  type EncodeResult,
  type EventCodec,
  type EventCodecOptions,
  type WireFormat,
} from './codec.js';
export {
  type CollectorAuthorizer,
  type CollectorEventResult,
  type CollectorOptions,
  type CollectorResponse,
  type EventPostGrant,
  registerCollectorRoutes,
} from './collector.js';
export { type CollectorIntake, type IntakeResult, inProcessIntake, kafkaIntake } from './collector-intake.js';
export { type ContractOptions, checkContract, contractViolations, isUuid } from './contract.js';
export { type DeadLetterPayload, deadLetterHeaders, deadLetterRecord } from './dead-letter.js';
export {
  IngestOptionInvalid,
  KafkaUnavailable,
  SchemaRegistryInvalid,
  SimulateUsage,
  SourceStopped,
} from './errors.js';
export type {
  ActivityBody,
  ActivityDetails,
  ContentInteractionBody,
  ErrorDetails,
  EventBody,
  EventContext,
  EventKind,
  ExamResultBody,
  IepGoalProgressBody,
  LearningEvent,
  PageViewDetails,
  QuestionAttemptBody,
  SourceRecord,
} from './event.js';
export { crc64Avro } from './fingerprint.js';
export {
  createInProcessSource,
  type InProcessDeadLetter,
  type InProcessSource,
  type InProcessSourceOptions,
  type PushResult,
} from './in-process-source.js';
export { eventToJson, jsonEventSchema, parseJsonEvent } from './json-event.js';
export { createKafkaSource, type KafkaSourceOptions } from './kafka-source.js';
export { createKafkajsClient } from './kafkajs-broker.js';
export { learnerKey, partitionOf } from './partitioner.js';
export { createEventProducer, type EventProducer, type EventProducerOptions, type SendResult } from './producer.js';
export { pseudonymize, pseudonymizeEvent } from './pseudonym.js';
export { type Rejection, type RejectionReason, rejectionReasons } from './rejection.js';
export { type EnvelopeSchema, type EventSchemas, eventSchemas, loadEventSchemas } from './schema-registry.js';
export { codecOptionsFromConfig, parseConfluentSchemaIds } from './settings.js';
export * as simulator from './simulator/index.js';
export { generateEvents } from './simulator/index.js';
export type { EventSource, PartitionLag, SourceBatch, SourceHandler } from './source.js';
export {
  type ActivityCategory,
  activityTaxonomy,
  contextPlatforms,
  deviceKinds,
  isTaxonomyCategory,
  taxonomyActions,
} from './taxonomy.js';
export { tickHeader } from './tick.js';
