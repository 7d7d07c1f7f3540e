// Metrics the API owns, on the shared registry: HTTP request durations and
// the live feed's clients, drops and window-close → push latency. Labels stay
// bounded (route patterns, status codes, close reasons — never ids).
import { counter, gauge, histogram } from '../core/metrics.js';

export const httpRequestDuration = histogram<'method' | 'route' | 'status_code'>({
  name: 'learnstream_http_request_duration_seconds',
  help: 'HTTP request durations by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const liveClients = gauge({
  name: 'learnstream_live_clients',
  help: 'WebSocket live feed clients currently connected.',
});

export const liveDroppedClients = counter<'reason'>({
  name: 'learnstream_live_dropped_clients_total',
  help: 'Live feed clients closed by the server, by reason (slow_consumer, unauthenticated, ...).',
  labelNames: ['reason'],
});

export const liveMessagesSent = counter<'kind'>({
  name: 'learnstream_live_messages_sent_total',
  help: 'Closed-window messages sent to live feed clients, by metric kind.',
  labelNames: ['kind'],
});

export const livePushLatency = histogram({
  name: 'learnstream_live_push_latency_seconds',
  help: 'Time from a window becoming final (handed to the live feed) to its message being written to a client socket.',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export const privacyBudgetRefusals = counter({
  name: 'learnstream_privacy_budget_refusals_total',
  help: 'DP queries refused because the tenant had spent its privacy budget.',
});
