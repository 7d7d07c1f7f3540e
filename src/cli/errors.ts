// Error codes of the command line: a usage error (exit status 2) and a
// long-running tool that could not finish its delivery (exit status 1).
import { defineErrorCode } from '../core/errors.js';

export const CliUsage = defineErrorCode('LS_CLI_USAGE', 'Invalid command line', 400, false);
export const CliDeliveryFailed = defineErrorCode('LS_CLI_DELIVERY', 'Delivery failed', 502, true);
