// Progress of a long run on stderr: one rewritten line on a terminal, a line
// every few seconds otherwise (CI logs), so stdout keeps only the summary.

export interface ProgressReporter {
  /** Call as often as convenient: output is rate-limited. */
  tick(): void;
  /** Final line (terminals get their line finished). */
  done(): void;
}

export function createProgress(
  label: string,
  read: () => { fraction?: number; line: string },
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  const tty = stream.isTTY === true;
  const everyMs = tty ? 200 : 2000;
  const started = Date.now();
  let last = 0;
  let printed = false;
  const render = () => {
    const { fraction, line } = read();
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    // Unknown total (a pipe): counts only.
    const pct = fraction === undefined ? '' : `${Math.min(100, Math.floor(fraction * 100))}% · `;
    const text = `${label}: ${pct}${line} · ${secs} s`;
    stream.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
    printed = true;
  };
  return {
    tick() {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      render();
    },
    done() {
      render();
      if (tty && printed) stream.write('\n');
    },
  };
}
