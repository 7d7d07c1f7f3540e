// Package entry: the public API of learnstream for embedding and for upstream services.
export { type Config, configSchema, loadConfig } from './core/config.js';
export { errorCodes, isRetriable, LearnstreamError } from './core/errors.js';
export { startEngine } from './engine/engine.js';
