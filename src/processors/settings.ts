// The engine settings the processors read: the `engine` section of the one
// config schema. Operators take them as a plain object so tests and the test
// driver can override single fields without touching the environment.
import { type Config, configSchema } from '../core/config.js';

export type EngineSettings = Config['engine'];

/** The defaults of the config schema's `engine` section. */
export function defaultEngineSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  return { ...configSchema.shape.engine.parse({}), ...overrides };
}
