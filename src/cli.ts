// The `learnstream` command line: one binary for the engine and its tools.
// Each command parses its own options strictly; a usage error (unknown option,
// missing value, bad argument) exits 2 with a message naming the command.

import { isParseArgsError, parseCommandArgs } from './cli/args.js';
import { CliUsage } from './cli/errors.js';
import { describeSettings, loadConfig } from './core/config.js';
import { LearnstreamError } from './core/errors.js';
import { createRootLogger } from './core/logger.js';

interface Command {
  summary: string;
  run: (argv: string[]) => Promise<number>;
}

const commands: Record<string, Command> = {
  start: { summary: 'Run the engine (embedded defaults need no settings)', run: runStart },
  simulate: {
    summary: 'Synthetic learning events, deterministic by --seed (file, stdout or Kafka)',
    run: async (argv) => (await import('./ingest/simulator/cli.js')).runSimulate(argv),
  },
  replay: {
    summary: 'Send a file written by simulate --out to an engine collector or to Kafka',
    run: async (argv) => (await import('./cli/replay.js')).runReplay(argv),
  },
  migrate: {
    summary: 'Apply the ClickHouse migrations not applied yet',
    run: async (argv) => (await import('./views/cli.js')).runMigrate(argv),
  },
  services: { summary: 'Local Kafka + ClickHouse for development: services up|down|status', run: runServices },
  bench: {
    summary: 'Run the benchmark suite (bench/run.ts) and write its report',
    run: async (argv) => (await import('./cli/bench.js')).runBench(argv),
  },
  'erase-learner': {
    summary: 'Erase one learner from every ClickHouse table: --tenant T --learner L',
    run: async (argv) => (await import('./views/cli.js')).runEraseLearner(argv),
  },
  token: {
    summary: 'Sign a bearer token (e.g. a producer token for POST /v1/events): --role R [--tenant T]',
    run: async (argv) => (await import('./cli/token.js')).runToken(argv),
  },
  config: { summary: 'Print every setting with its environment variable and default', run: runConfig },
};

export const commandNames = Object.keys(commands);

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `Usage: learnstream <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'learnstream <command> --help' for a command's options.`;
}

const startHelp = `Usage: learnstream start

Runs the engine: source (embedded simulator + collector, or Kafka), operators,
ClickHouse sink, REST API under /v1, live feed /v1/live, the dashboard at /,
/healthz, /readyz and /metrics. SIGTERM or Ctrl-C flushes, checkpoints and exits.

Options:
  -h, --help   this help

Configured by environment variables only (see \`learnstream config\`), e.g.
  LEARNSTREAM_SOURCE_KIND=kafka KAFKA_BROKERS=host:9092   consume from Kafka
  CLICKHOUSE_URL=http://host:8123                          use a ClickHouse server (else embedded chdb)
  LEARNSTREAM_PORT=8080  LEARNSTREAM_SERVER_HOST=127.0.0.1 where the HTTP server listens
  LEARNSTREAM_CONFIG=settings.json                         settings from a JSON file (environment wins)`;

async function runStart(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('start', argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(startHelp);
    return 0;
  }
  if (positionals.length) throw new LearnstreamError(CliUsage, `start takes no arguments (got ${positionals[0]})`);
  const config = loadConfig();
  const logger = createRootLogger(config.log.level, config.log.format);
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

const servicesHelp = `Usage: learnstream services up|down|status

Local real services for development and tests: an Apache Kafka broker (KRaft,
jars from deploy/local/kafka) and a ClickHouse server (Debian clickhouse-server),
on loopback with free ports. State and the env file live in .learnstream/services.

Actions:
  up       start both (or reuse running ones); prints their addresses and an export line
  down     stop them
  status   print their state (default); exit status 3 when not running

Options:
  -h, --help   this help`;

async function runServices(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('services', argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(servicesHelp);
    return 0;
  }
  const action = positionals[0] ?? 'status';
  if (!['up', 'down', 'status'].includes(action) || positionals.length > 1) {
    throw new LearnstreamError(
      CliUsage,
      `services takes one action: up, down or status (got ${positionals.join(' ')})`,
    );
  }
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
  const s = svc.servicesStatus();
  console.log(JSON.stringify(s, null, 2));
  return s.running ? 0 : 3;
}

const configHelp = `Usage: learnstream config [--json]

Prints every setting: its environment variable, default and meaning (the same
list as the README's Configuration table).

Options:
  --json       one JSON array instead of a table
  -h, --help   this help`;

async function runConfig(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('config', argv, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(configHelp);
    return 0;
  }
  if (positionals.length) throw new LearnstreamError(CliUsage, `config takes no arguments (got ${positionals[0]})`);
  const settings = describeSettings();
  if (values.json) {
    console.log(JSON.stringify(settings, null, 2));
    return 0;
  }
  for (const s of settings) {
    console.log(`${s.env.padEnd(44)} ${JSON.stringify(s.default ?? null).padEnd(28)} ${s.description}`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (name) console.log(usage());
    else console.error(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`learnstream: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (
      isParseArgsError(err) ||
      // Any 4xx LearnstreamError (CliUsage, a subcommand's own option errors) is the caller's mistake.
      (err instanceof LearnstreamError && err.status >= 400 && err.status < 500)
    ) {
      // node's advice on '--' for positionals only confuses here: the option is simply unknown.
      const message = err.message
        .replace(`${CliUsage.message}: `, '')
        .replace(/\. To specify a positional argument.*$/s, '');
      console.error(`learnstream ${name}: ${message}\nRun 'learnstream ${name} --help' for its options.`);
      return 2;
    }
    if (err instanceof LearnstreamError) {
      console.error(`learnstream ${name}: [${err.code}] ${err.message}`);
    } else {
      console.error(`learnstream ${name}:`, err);
    }
    return 1;
  }
}
