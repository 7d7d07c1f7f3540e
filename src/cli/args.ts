// Option parsing shared by the commands: node's strict parseArgs, with its
// errors (unknown option, missing value) turned into one usage error that
// names the command, so the binary answers them with exit status 2.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LearnstreamError } from '../core/errors.js';
import { CliUsage } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** True for the errors node:util parseArgs throws on a bad command line. */
export function isParseArgsError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    if (isParseArgsError(err)) {
      throw new LearnstreamError(CliUsage, err.message, { cause: err, details: { command } });
    }
    throw err;
  }
}
