import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../scripts/loadtest/run-result.js';
import { parseXml } from './support/xml.js';

const DEMO = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DEMO, ...args], {
      env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Script: demo', () => {
  it('runs the embedded stack, the OAuth server, a worker and Lambda environments, and ends with a summary and a chart', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'demo-'));
    try {
      const { code, stdout, stderr } = await runDemo(['--duration', '8', '--lifetime', '4', '--environments', '3', '--out-dir', outDir]);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('1 worker + 3 simulated Lambda environments');
      expect(stdout).toMatch(/t= +\d+s {2}generation/);
      expect(stdout).toContain('Summary after');
      expect(stdout).toContain(`Chart: ${join(outDir, 'demo.svg')}`);
      expect(stdout).toContain('npm start -- --aws');
      const result = JSON.parse(await readFile(join(outDir, 'demo.json'), 'utf8')) as RunResult;
      // One version per successful refresh, and no refresh nobody needed: the demo may stop just
      // after a refresh whose token was not served yet, nothing more.
      expect(result.generations).toBeGreaterThanOrEqual(2);
      expect(result.versions.created).toBe(result.idp.minted);
      expect(result.idp.minted - result.generations).toBeLessThanOrEqual(1);
      expect(result.validity.servedExpired).toBe(0);
      expect(result.latencyMs.calls).toBeGreaterThan(10);
      expect(parseXml(await readFile(join(outDir, 'demo.svg'), 'utf8')).name).toBe('svg');
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('runs the fleet against a rotating provider (--idp rotating): one refresh per generation, each refresh token presented once, the grant alive', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'demo-rotating-'));
    try {
      const args = ['--idp', 'rotating', '--duration', '8', '--lifetime', '4', '--environments', '3', '--out-dir', outDir];
      const { code, stdout, stderr } = await runDemo(args);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('rotating refresh tokens (a reused one revokes the grant)');
      expect(stdout).toContain('grant alive');
      expect(stdout).not.toContain('REVOKED');
      const result = JSON.parse(await readFile(join(outDir, 'demo.json'), 'utf8')) as RunResult;
      expect(result.idpKind).toBe('rotating');
      expect(result.generations).toBeGreaterThanOrEqual(2);
      expect(result.versions.created).toBe(result.idp.minted);
      // No refresh token was presented twice, or the grant would be revoked and invalid_grant counted.
      expect(result.grant).toMatchObject({ revokedAtMs: null, invalidGrants: 0, stateLostAtCallers: 0 });
      // The authorization's refresh token and one per refresh (the demo may stop one refresh short of its event).
      expect(result.grant?.refreshTokensIssued).toBeGreaterThanOrEqual(result.idp.minted + 1);
      expect(result.grant?.refreshTokensIssued).toBeLessThanOrEqual(result.idp.minted + 2);
      expect(result.validity.servedExpired).toBe(0);
      expect(result.targets.find((check) => check.name.startsWith('rotating grant revoked'))).toMatchObject({ ok: true });
      // Neither the seeded refresh token nor any later one reaches the report.
      expect(await readFile(join(outDir, 'demo.json'), 'utf8')).not.toMatch(/refresh_?token"?\s*:\s*"/i);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
