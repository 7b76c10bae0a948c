import type { RunResult } from './run-result.js';

type Rotation = NonNullable<RunResult['fault']['rotation']>;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const percent = (part: number, whole: number): string => (whole === 0 ? '–' : `${Math.round((part / whole) * 100)} %`);

/**
 * What `kill-holder` under a rotating provider showed, which the table has no column for: per run,
 * how many kills landed between the provider's answer and the state write (the refresh token died
 * with the process) or after it, what followed, how the fleet took a loss, and the sum over runs
 * (`--repeat` runs with other seeds, which is how the fraction gets enough strikes to mean something).
 * Empty when no run had such strikes.
 *
 * @example
 * ```ts
 * const summary = formatStrikeSummary(results);
 * if (summary !== '') console.log(summary);
 * ```
 */
export function formatStrikeSummary(results: readonly RunResult[]): string {
  const struck = results.filter((result): result is RunResult & { fault: { rotation: Rotation } } => result.fault.rotation !== undefined);
  if (struck.length === 0) return '';
  const spread = struck[0]?.fault.description.match(/0–\d+ ms/)?.[0] ?? 'soon';
  const lines = [`kill-holder on a rotating provider: each holder killed ${spread} after the provider answered.`];
  for (const result of struck) lines.push(`  seed ${result.settings.seed}: ${runLine(result)}`);
  if (struck.length > 1) lines.push(`  all ${struck.length} runs: ${totals(struck.map((result) => result.fault.rotation))}`);
  return lines.join('\n');
}

function runLine(result: RunResult & { fault: { rotation: Rotation } }): string {
  const rotation = result.fault.rotation;
  const window = rotation.windowMs;
  const parts = [
    totals([rotation]),
    window === undefined
      ? 'no refresh left unstruck to time the window'
      : `answer → state write ${window.median} ms median, ${window.max} ms max (${plural(window.samples, 'refresh', 'refreshes')} not struck)`,
  ];
  if (rotation.stateLost > 0 && result.grant !== undefined) {
    const errors = result.errors;
    parts.push(
      `after the loss the fleet's refreshes met invalid_grant ${plural(result.grant.invalidGrants, 'time')}; callers got ` +
        `${errors.RefreshStateLostError ?? 0} RefreshStateLostError and ${errors.TokenUnavailableError ?? 0} TokenUnavailableError`,
    );
  }
  return parts.join('; ');
}

function totals(rotations: readonly Rotation[]): string {
  const sum = (pick: (rotation: Rotation) => number): number => rotations.reduce((total, rotation) => total + pick(rotation), 0);
  const strikes = sum((rotation) => rotation.strikes.length);
  const inWindow = sum((rotation) => rotation.inWindow);
  const after = sum((rotation) => rotation.afterStateWrite);
  const unresolved = strikes - inWindow - after;
  return (
    `${plural(strikes, 'strike')}: ${inWindow} in the window (${percent(inWindow, inWindow + after)}), ${after} after the state write` +
    (unresolved > 0 ? `, ${unresolved} not told apart (no later refresh)` : '') +
    ` → ${sum((rotation) => rotation.recovered)} recovered, ${sum((rotation) => rotation.stateLost)} state lost`
  );
}
