import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshPolicy } from '../../src/token/policy.js';
import { spawnProcess, spawnTypeScript, type SpawnedScript } from '../support/processes.js';
import { CLIENT, CLIENT_SECRET_ID, closeWorld, deploy, generationSoFar, startWorld, versionCount, type World } from '../lambda/world.js';

const REPLICAS = 3;
const TARGET_GENERATION = 8;
/** The policy the sidecar runs with (no refresh window or minimum validity set). */
const DEFAULT_POLICY = new RefreshPolicy();

interface ClientSummary {
  reads: number;
  /** Answers by HTTP status, plus `starting` (refused before the first answer) and `unreachable` (refused after it). */
  statuses: Record<string, number>;
  /** Each generation served, with its last read: the one with the least validity left. */
  served: Array<{ generation: number; expiresAt: number; refreshedAt: number; lastRequestedAt: number }>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('Sidecar: token-refresher worker --serve beside an application in any language', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(3);
  });
  afterAll(() => closeWorld(world));

  it('serves every replica’s Python client valid tokens with one refresh per generation for the fleet, and /health for the orchestrator', async () => {
    const deployed = await deploy(world);
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'sidecar-')), 'awssmatoken');
    writeFileSync(tokenFile, 'shared-ssrf-token-of-the-pod\n');
    const replicas: Array<{ sidecar: SpawnedScript; agentPort: number; healthPort: number }> = [];
    const clients: SpawnedScript[] = [];
    const mintedBefore = world.oauth.stats.minted;
    try {
      for (let replica = 0; replica < REPLICAS; replica += 1) {
        const agentPort = await freePort();
        const healthPort = await freePort();
        // As in a task or pod: one environment for the sidecar, the SSRF token in a shared file.
        const sidecar = spawnTypeScript('src/cli/main.ts', ['worker', '--serve', '--health-port', String(healthPort)], {
          env: {
            ...world.stack.environment(),
            AWS_TOKEN: `file://${tokenFile}`,
            TOKEN_REFRESHER_SECRET_ID: deployed.secretId,
            TOKEN_REFRESHER_TABLE: deployed.env.LOCK_TABLE,
            TOKEN_REFRESHER_TOKEN_URL: world.oauth.tokenUrl,
            TOKEN_REFRESHER_CLIENT_ID: CLIENT.clientId,
            TOKEN_REFRESHER_CLIENT_SECRET_ID: CLIENT_SECRET_ID,
            TOKEN_REFRESHER_SCOPE: 'orders:read',
            TOKEN_REFRESHER_SERVE_PORT: String(agentPort),
          },
        });
        replicas.push({ sidecar, agentPort, healthPort });
      }
      const started = await Promise.all(replicas.map(({ sidecar }) => sidecar.nextLine((line) => line.includes('"event":"started"'))));
      for (const [index, line] of started.entries()) {
        expect(JSON.parse(line)).toMatchObject({
          agentUrl: `http://localhost:${replicas[index]?.agentPort}/secretsmanager/get?secretId=${encodeURIComponent(deployed.secretId)}`,
        });
      }
      for (const { agentPort } of replicas) {
        clients.push(
          spawnProcess('python3', ['test/agent-api/python/sidecar_client.py'], {
            env: {
              AWS_TOKEN: `file://${tokenFile}`,
              AGENT_PORT: String(agentPort),
              SECRET_ID: deployed.secretId,
              TARGET_GENERATION: String(TARGET_GENERATION),
            },
          }),
        );
      }
      // Counted the moment the target generation is stored: the next refresh cannot start before its
      // window, half a token lifetime later, so no IdP call is then in flight.
      let snapshot: { minted: number; generation: number; versions: number } | undefined;
      while (snapshot === undefined) {
        const generation = generationSoFar(world, deployed.secretId);
        if (generation >= TARGET_GENERATION)
          snapshot = { minted: world.oauth.stats.minted - mintedBefore, generation, versions: versionCount(world, deployed.secretId) };
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(snapshot.minted).toBe(snapshot.generation);
      expect(snapshot.versions).toBe(snapshot.generation);

      const summaries = await Promise.all(clients.map((client) => client.nextJson<ClientSummary>()));
      for (const summary of summaries) {
        expect(summary.reads).toBeGreaterThan(TARGET_GENERATION);
        expect(Object.keys(summary.statuses).filter((status) => status !== '200' && status !== 'starting')).toEqual([]);
        expect(summary.served.at(-1)?.generation).toBeGreaterThanOrEqual(TARGET_GENERATION);
        // Measured from the request: the sidecar promises the minimum validity when it serves, which comes after it.
        for (const token of summary.served) {
          expect(token.expiresAt - token.lastRequestedAt, `generation ${token.generation}`).toBeGreaterThanOrEqual(
            DEFAULT_POLICY.minValidityMs(token.expiresAt - token.refreshedAt),
          );
        }
      }
      for (const { healthPort } of replicas) {
        const health = await fetch(`http://127.0.0.1:${healthPort}/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ healthy: true });
      }
    } finally {
      await Promise.all(clients.map((client) => client.kill('SIGKILL')));
      const exits = await Promise.all(replicas.map(({ sidecar }) => sidecar.kill('SIGTERM')));
      expect(exits.map((exit) => exit.code)).toEqual(Array(REPLICAS).fill(0));
    }
  }, 120_000);
});
