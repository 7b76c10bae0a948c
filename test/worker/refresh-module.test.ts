import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.js';
import { loadRefreshModule } from '../../src/worker/index.js';

describe('Function: loadRefreshModule', () => {
  it('loads the named export "refresh" from a path relative to the working directory', async () => {
    const refresh = await loadRefreshModule('test/worker/fixtures/refresh-ok.ts');
    const issued = await refresh({ signal: new AbortController().signal, fence: 1, previous: undefined, state: undefined, recovering: false });
    expect(issued.token).toMatch(/^module-token-/);
  });

  it('names what the module exports instead when it has no "refresh" function', async () => {
    await expect(loadRefreshModule('test/worker/fixtures/refresh-missing.ts')).rejects.toThrow(
      /must export a function named "refresh" .* it exports "getToken", "version"\./,
    );
  });

  it('turns a module that cannot be loaded into a ConfigurationError with the cause', async () => {
    const error = await loadRefreshModule('test/worker/fixtures/does-not-exist.js').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^Could not load the refresh module test\/worker\/fixtures\/does-not-exist\.js: /);
    expect((error as Error).cause).toBeInstanceOf(Error);
    await expect(loadRefreshModule('')).rejects.toThrow(/must be a non-empty string/);
  });
});
