// Which Kafka client errors the engine outlasts and which stop it: a broker
// restart surfaces as "retries exceeded" wrapping ECONNREFUSED (outlast it);
// bad credentials or permissions never heal (stop).
import { describe, expect, it } from 'vitest';
import { isRetriableKafkaError } from '../../../src/ingest/kafkajs-broker.js';

describe('isRetriableKafkaError', () => {
  it('outlasts a broker restart even after the client gave up retrying', () => {
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
    });
    const exceeded = Object.assign(new Error('Connection error'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: false,
      originalError: refused,
    });
    expect(isRetriableKafkaError(exceeded)).toBe(true);
  });

  it('outlasts a commit refused during a rebalance', () => {
    const member = Object.assign(new Error('The coordinator is not aware of this member'), {
      name: 'KafkaJSProtocolError',
      type: 'UNKNOWN_MEMBER_ID',
      retriable: false,
    });
    expect(isRetriableKafkaError(member)).toBe(true);
  });

  it('stops on credentials and permissions, however deeply wrapped', () => {
    const denied = Object.assign(new Error('Not authorized to access topics'), {
      name: 'KafkaJSProtocolError',
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    expect(isRetriableKafkaError(Object.assign(new Error('x'), { originalError: denied }))).toBe(false);
    expect(
      isRetriableKafkaError(Object.assign(new Error('bad password'), { name: 'KafkaJSSASLAuthenticationError' })),
    ).toBe(false);
  });
});
