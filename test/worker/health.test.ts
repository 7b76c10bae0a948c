import { describe, expect, it } from 'vitest';
import { startHealthServer, type WorkerStatus } from '../../src/worker/index.js';

describe('Function: startHealthServer', () => {
  it('answers GET /health with the status as JSON: 200 while healthy, 503 otherwise', async () => {
    let status: WorkerStatus = { healthy: false, state: 'starting', consecutiveFailures: 0 };
    const server = await startHealthServer({ status: () => status, port: 0 });
    try {
      const url = `http://127.0.0.1:${server.port}/health`;
      const starting = await fetch(url);
      expect(starting.status).toBe(503);
      expect(await starting.json()).toEqual(status);

      status = { healthy: true, state: 'waiting', generation: 4, expiresAt: '2030-01-01T01:00:00.000Z', consecutiveFailures: 0 };
      const healthy = await fetch(url);
      expect(healthy.status).toBe(200);
      expect(healthy.headers.get('content-type')).toBe('application/json');
      expect(await healthy.json()).toEqual(status);

      expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const first = await startHealthServer({ status: () => ({ healthy: true, state: 'waiting', consecutiveFailures: 0 }), port: 0 });
    try {
      await expect(
        startHealthServer({ status: () => ({ healthy: true, state: 'waiting', consecutiveFailures: 0 }), port: first.port }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
