// Public surface of the API layer: the HTTP server of the engine process.
export { type HealthOptions, type ReadinessCheck, registerHealthRoutes } from './health.js';
export { createHttpServer, type HttpServer } from './server.js';
