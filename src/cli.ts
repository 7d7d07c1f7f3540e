// The `learnstream` command line: one binary for the engine and its tools.
import { parseArgs } from 'node:util';
import { describeSettings, loadConfig } from './core/config.js';
import { LearnstreamError } from './core/errors.js';
import { createRootLogger } from './core/logger.js';

const commands: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  start: { summary: 'Run the engine (embedded defaults need no settings)', run: runStart },
  services: { summary: 'Local Kafka + ClickHouse: services up|down|status', run: runServices },
  config: { summary: 'Print every setting with its environment variable and default', run: runConfig },
  simulate: {
    summary: 'Synthetic learning events, deterministic by --seed (file, stdout or Kafka)',
    run: async (argv) => (await import('./ingest/simulator/cli.js')).runSimulate(argv),
  },
  migrate: {
    summary: 'Apply the ClickHouse migrations not applied yet',
    run: async (argv) => (await import('./views/cli.js')).runMigrate(argv),
  },
  'erase-learner': {
    summary: 'Erase one learner from every ClickHouse table: --tenant T --learner L',
    run: async (argv) => (await import('./views/cli.js')).runEraseLearner(argv),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `Usage: learnstream <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'learnstream <command> --help' for a command's options.`;
}

async function runStart(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(
      'Usage: learnstream start\n\nRuns the engine. Configure with environment variables (see `learnstream config`).',
    );
    return 0;
  }
  const config = loadConfig();
  const logger = createRootLogger(config.log.level);
  const { startEngine } = await import('./engine/engine.js');
  let fatal: ((code: number) => void) | undefined;
  const engine = await startEngine(config, logger, { onFatal: () => fatal?.(1) });
  return new Promise<number>((resolve) => {
    fatal = (code) => {
      engine.stop().finally(() => resolve(code));
    };
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error('shutdown timed out; exiting');
        resolve(1);
      }, config.server.shutdownTimeoutMs);
      timer.unref();
      engine.stop().then(
        () => {
          clearTimeout(timer);
          logger.info('stopped');
          resolve(0);
        },
        (err) => {
          clearTimeout(timer);
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

async function runServices(argv: string[]): Promise<number> {
  const action = argv[0] ?? 'status';
  const svc = await import('./services/index.js');
  if (action === 'up') {
    const s = await svc.servicesUp();
    console.log(JSON.stringify(s, null, 2));
    console.log(`\nexport KAFKA_BROKERS=${s.kafka?.brokers} CLICKHOUSE_URL=${s.clickhouse?.url}`);
    return 0;
  }
  if (action === 'down') {
    await svc.servicesDown();
    console.log('services stopped');
    return 0;
  }
  if (action === 'status') {
    const s = svc.servicesStatus();
    console.log(JSON.stringify(s, null, 2));
    return s.running ? 0 : 3;
  }
  console.error('Usage: learnstream services up|down|status');
  return 2;
}

async function runConfig(): Promise<number> {
  for (const s of describeSettings()) {
    console.log(`${s.env.padEnd(44)} ${JSON.stringify(s.default ?? null).padEnd(28)} ${s.description}`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command: ${name}\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof LearnstreamError) {
      console.error(`learnstream ${name}: [${err.code}] ${err.message}`);
    } else {
      console.error(`learnstream ${name}:`, err);
    }
    return 1;
  }
}
