import { describe, expect, it } from 'vitest';
import type { RotatingStrike, RunResult } from '../../../scripts/loadtest/run-result.js';
import { formatStrikeSummary } from '../../../scripts/loadtest/strike-summary.js';
import { runResultFixture } from '../support/run-result-fixture.js';

const inWindow: RotatingStrike = { worker: 1, atMs: 12_000, killAfterAnswerMs: 8, phase: 'between-answer-and-state-write', followed: 'state lost' };
const afterWrite: RotatingStrike = { worker: 2, atMs: 11_000, killAfterAnswerMs: 35, phase: 'after-state-write', followed: 'recovered' };

function struckRun(seed: number, strikes: RotatingStrike[], extra: Partial<RunResult> = {}): RunResult {
  const count = (phase: RotatingStrike['phase']) => strikes.filter((strike) => strike.phase === phase).length;
  return runResultFixture({
    settings: { ...runResultFixture().settings, seed },
    idpKind: 'rotating',
    fault: {
      kind: 'kill-holder',
      description: 'every refresh … killed (SIGKILL) 0–40 ms after the rotating provider answered',
      rotation: {
        strikes,
        inWindow: count('between-answer-and-state-write'),
        afterStateWrite: count('after-state-write'),
        recovered: strikes.filter((strike) => strike.followed === 'recovered').length,
        stateLost: strikes.filter((strike) => strike.followed === 'state lost').length,
        windowMs: { median: 19, max: 40, samples: 5 },
      },
    },
    ...extra,
  });
}

describe('Function: formatStrikeSummary', () => {
  it('says nothing when no run struck holders on a rotating provider', () => {
    expect(formatStrikeSummary([runResultFixture()])).toBe('');
  });

  it('gives each run its strikes, the window and how the fleet took the loss, then the sum over runs', () => {
    const lost = struckRun(1, [afterWrite, inWindow], {
      grant: { revokedAtMs: 12_100, revokedByWorker: 3, invalidGrants: 1, refreshTokensIssued: 4, stateLostAtCallers: 10 },
      errors: { RefreshStateLostError: 10, TokenUnavailableError: 300 },
    });
    const lines = formatStrikeSummary([
      lost,
      struckRun(2, [afterWrite, { ...afterWrite, atMs: 20_000 }, { ...inWindow, phase: undefined, followed: undefined }]),
    ]).split('\n');
    expect(lines[0]).toBe('kill-holder on a rotating provider: each holder killed 0–40 ms after the provider answered.');
    expect(lines[1]).toBe(
      '  seed 1: 2 strikes: 1 in the window (50 %), 1 after the state write → 1 recovered, 1 state lost; ' +
        'answer → state write 19 ms median, 40 ms max (5 refreshes not struck); ' +
        "after the loss the fleet's refreshes met invalid_grant 1 time; callers got 10 RefreshStateLostError and 300 TokenUnavailableError",
    );
    expect(lines[2]).toContain(
      'seed 2: 3 strikes: 0 in the window (0 %), 2 after the state write, 1 not told apart (no later refresh) → 2 recovered, 0 state lost',
    );
    expect(lines[3]).toBe(
      '  all 2 runs: 5 strikes: 1 in the window (25 %), 3 after the state write, 1 not told apart (no later refresh) → 3 recovered, 1 state lost',
    );
  });
});
