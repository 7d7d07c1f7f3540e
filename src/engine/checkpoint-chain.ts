// What the pipeline keeps of one partition's checkpoint chain, and the rules
// that shape it (docs/delivery.md, "Incremental checkpoints"): which
// checkpoint to ask the processor for next, which restore point each saved
// version names, and how the chain moves on once a version is durable.
import {
  CHAIN_SPAN_MAX,
  type CheckpointCapture,
  type CheckpointOptions,
  type RewriteStep,
} from '../processors/index.js';

export interface ChainSettings {
  /** Deltas after the restore point before a rewrite starts. */
  maxDeltas: number;
  /** Learners a rewrite writes per checkpoint; 0: a full checkpoint instead. */
  rewriteSlice: number;
}

/** One captured checkpoint as the chain sees it. */
export interface ChainCapture {
  kind: CheckpointCapture['kind'];
  rewrite?: RewriteStep | undefined;
  /** Characters of its parts. */
  chars: number;
}

export class CheckpointChain {
  /** The chain's restore point: its full checkpoint, or the first delta of its last complete rewrite. */
  private base: number | undefined;
  /** Characters of the whole state (the last full checkpoint or rewrite), and of the deltas written after it. */
  private fullChars = Number.POSITIVE_INFINITY;
  private deltaChars = 0;
  /** The rewrite under way: the version it started at, and the characters written since. */
  private rewrite: { start: number; chars: number } | undefined;

  /**
   * `version`: the partition's last version (loaded, or past void ones);
   * `base`: the loaded chain's restore point (undefined: the next checkpoint is full).
   * A loaded chain's size is unknown: its deltas run to `maxDeltas` before a rewrite.
   */
  constructor(
    private readonly settings: ChainSettings,
    public version: number,
    base: number | undefined,
  ) {
    this.base = base;
  }

  /** The restore point (tests, logs). */
  get restorePoint(): number | undefined {
    return this.base;
  }

  /**
   * What to ask the processor for: a full checkpoint only to start a chain, or
   * to end one grown too long to keep (rewrites that never finished: restart
   * storms); a rewrite once the deltas since the restore point outgrow the state.
   */
  options(): CheckpointOptions {
    return {
      maxDeltas: this.settings.maxDeltas,
      full: this.base === undefined || this.version + 1 - this.base >= CHAIN_SPAN_MAX,
      compact: this.deltaChars > this.fullChars,
      rewriteSlice: this.settings.rewriteSlice,
    };
  }

  /** The next version and the restore point it names (a rewrite that ends with it names the rewrite's start). */
  next(capture: ChainCapture): { version: number; base: number | undefined } {
    const version = this.version + 1;
    if (capture.kind === 'full') return { version, base: version };
    if (capture.rewrite === 'whole') return { version, base: version };
    if (capture.rewrite === 'end') return { version, base: this.rewrite?.start };
    return { version, base: this.base };
  }

  /** The version `next()` gave is durable: the chain moves on. */
  landed(capture: ChainCapture): void {
    const version = ++this.version;
    if (capture.kind === 'full') {
      this.base = version;
      this.fullChars = capture.chars;
      this.deltaChars = 0;
      this.rewrite = undefined;
      return;
    }
    this.deltaChars += capture.chars;
    if (capture.rewrite === 'start' || capture.rewrite === 'whole') this.rewrite = { start: version, chars: 0 };
    if (this.rewrite) this.rewrite.chars += capture.chars;
    if ((capture.rewrite === 'end' || capture.rewrite === 'whole') && this.rewrite) {
      // Restore now reads from the rewrite's start: its deltas stand for the state (as a full checkpoint
      // did), and the chain outgrows it once the deltas after them are as large again.
      this.base = this.rewrite.start;
      this.fullChars = this.rewrite.chars;
      this.deltaChars = 0;
      this.rewrite = undefined;
    }
  }

  /**
   * A version whose outcome is unknown (its save failed), or a capture not
   * saved: the processor starts a new chain (`checkpointLost()`), and any
   * rewrite under way is abandoned.
   */
  lost(): void {
    this.rewrite = undefined;
  }
}
