/** Writes `value` as one JSON line, or the text `render` makes of it. */
export function print(json: boolean | undefined, value: unknown, render: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${render()}\n`);
}

/** A duration in milliseconds as people read it: `4m 10s`, `-12s` once past. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms) / 1000);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  const parts = [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', `${seconds}s`].filter(Boolean);
  return sign + parts.join(' ');
}
