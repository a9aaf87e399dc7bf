/**
 * Progress reporting for long work: a bar with rate and ETA on a terminal, plain periodic lines
 * when the output is not a TTY (CI logs), nothing when disabled.
 */
export interface ProgressOptions {
  /** Where to write. Default `process.stderr`. */
  stream?: NodeJS.WriteStream;
  /** `'auto'` (bar on a TTY, lines otherwise), `'bar'`, `'lines'` or `'off'`. Default `'auto'`,
   * or `'off'` when `SAPLAB_PROGRESS=off`. */
  mode?: 'auto' | 'bar' | 'lines' | 'off';
  /** Minimum seconds between plain lines. Default 10. */
  lineInterval?: number;
  /**
   * `'count'` shows `done/total`; `'share'` only the percentage, for work counted in weighted
   * units that mean nothing to read (the ETA then follows the weights). Default `'count'`.
   */
  show?: 'count' | 'share';
}

/** Called with the work done so far and the total. */
export type ProgressCallback = (done: number, total: number) => void;

/**
 * A duration for progress lines: `42s`, `3m07s`, `2h05m`. Rounds to the shown unit first, so a
 * value never reads `59.6s -> 1m60s`; `?` for a value that is not finite (no estimate yet).
 */
export function formatElapsed(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A progress display for long work: a bar on a terminal, plain lines otherwise (`SAPLAB_PROGRESS`). */
export class Progress {
  private readonly start = Date.now();
  private lastLine = 0;
  private done = 0;
  private readonly mode: 'bar' | 'lines' | 'off';
  private readonly stream: NodeJS.WriteStream;
  private readonly lineInterval: number;
  private readonly share: boolean;
  private finished = false;

  constructor(
    private readonly label: string,
    private total: number,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    const env = process.env.SAPLAB_PROGRESS as ProgressOptions['mode'] | undefined;
    const mode = options.mode ?? env ?? 'auto';
    this.mode = mode === 'auto' ? (this.stream.isTTY ? 'bar' : 'lines') : mode;
    this.lineInterval = options.lineInterval ?? 10;
    this.share = options.show === 'share';
    this.render(true);
  }

  /** Sets the number of finished units (and optionally a new total). */
  update(done: number, total = this.total, extra = ''): void {
    this.done = done;
    this.total = total;
    this.render(false, extra);
  }

  /** Adds `n` finished units. */
  tick(n = 1, extra = ''): void {
    this.update(this.done + n, this.total, extra);
  }

  /** Marks the work finished and prints the elapsed time. */
  finish(extra = ''): number {
    const seconds = (Date.now() - this.start) / 1000;
    if (this.finished) return seconds;
    this.finished = true;
    this.done = this.total;
    if (this.mode === 'bar') {
      this.render(true, extra);
      this.stream.write('\n');
    } else if (this.mode === 'lines') {
      this.stream.write(`${this.label}: done${this.share ? '' : ` ${this.total}/${this.total}`} in ${formatElapsed(seconds)}${extra ? ` ${extra}` : ''}\n`);
    }
    return seconds;
  }

  private render(force: boolean, extra = ''): void {
    if (this.mode === 'off') return;
    const elapsed = (Date.now() - this.start) / 1000;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const eta = this.done > 0 ? (elapsed * (this.total - this.done)) / this.done : NaN;
    if (this.mode === 'bar') {
      const width = 28;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r${this.label} ${bar} ${this.share ? '' : `${this.done}/${this.total} `}${(frac * 100).toFixed(0)}% ${formatElapsed(elapsed)} eta ${formatElapsed(eta)} ${extra}\x1b[K`);
    } else if (force || elapsed - this.lastLine >= this.lineInterval) {
      this.lastLine = elapsed;
      if (this.done > 0 || force) {
        this.stream.write(`${this.label}: ${this.share ? `${(frac * 100).toFixed(0)}%` : `${this.done}/${this.total} (${(frac * 100).toFixed(0)}%)`} elapsed ${formatElapsed(elapsed)} eta ${formatElapsed(eta)}${extra ? ` ${extra}` : ''}\n`);
      }
    }
  }

  /** A `(done, total)` callback that drives this bar. */
  callback(): ProgressCallback {
    return (done, total) => this.update(done, total);
  }
}
