import { spawnSync } from 'node:child_process';
import { closeSync, readdirSync, readlinkSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorStorageError, OffsetClock, SecretsManagerModel } from '../../../src/local/secrets-manager/index.js';
import { DurableJournal } from '../../../src/local/secrets-manager/journal.js';

// The durable journal in-process: replay, torn tails, corruption, compaction and the folder lock.
// (The kill -9 test in persistence.test.ts proves the same end to end with a real process.)

const TOKEN = (n: number): string => `token-${String(n).padStart(32, '0')}`;
let dataDir: string;

/** Closes this process's open descriptors of files in `directory` (Linux: read from /proc/self/fd). */
function closeDescriptorsOf(directory: string): void {
  let closed = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the descriptor readdir itself used is gone by now
    }
    if (target.startsWith(`${directory}/`)) {
      closeSync(Number(fd));
      closed += 1;
    }
  }
  if (closed === 0) throw new Error(`No open descriptor of a file in ${directory}: the test cannot inject the disk failure.`);
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sm-journal-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Opens the folder and a model journaling into it, as the emulator does. */
async function openModel(options: { compactAfterBytes?: number } = {}): Promise<{ model: SecretsManagerModel; journal: DurableJournal }> {
  const { journal, changes } = await DurableJournal.open(dataDir, options);
  const model = new SecretsManagerModel({ clock: new OffsetClock(() => Date.UTC(2026, 0, 1)), onChanges: (batch) => journal.append(batch) });
  model.restore(changes);
  await journal.compact(() => model.snapshot());
  return { model, journal };
}

async function writeSome(model: SecretsManagerModel, journal: DurableJournal, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n += 1) {
    if (n === 1) model.createSecret({ Name: 's', SecretString: 'v1', ClientRequestToken: TOKEN(1) });
    else model.putSecretValue({ SecretId: 's', SecretString: `v${n}`, ClientRequestToken: TOKEN(n) });
  }
  await journal.durable();
}

function state(model: SecretsManagerModel): unknown[] {
  return [...model.snapshot()];
}

async function newestJournal(): Promise<string> {
  const names = (await readdir(dataDir)).filter((name) => name.startsWith('journal-')).sort();
  return join(dataDir, names.at(-1) ?? '');
}

describe('Class: DurableJournal', () => {
  it('replays every durable batch into an identical model', async () => {
    const first = await openModel();
    await writeSome(first.model, first.journal, 1, 5);
    first.model.advanceClock(1234);
    await first.journal.durable();
    const before = state(first.model);
    await first.journal.close();
    const second = await openModel();
    expect(state(second.model)).toEqual(before);
    expect(second.model.clock.offsetMs).toBe(1234);
    expect(second.model.getSecretValue({ SecretId: 's' }).SecretString).toBe('v5');
    await second.journal.close();
  });

  it('drops a torn last record and cuts it off the file', async () => {
    const first = await openModel();
    await writeSome(first.model, first.journal, 1, 3);
    const before = state(first.model);
    await first.journal.close();
    const file = await newestJournal();
    const intact = (await stat(file)).size;
    await appendFile(file, '0123456789abcdef {"s":99,"c":[{"op":"rem');
    const second = await openModel();
    expect(state(second.model)).toEqual(before);
    await second.journal.close();
    const third = await openModel();
    expect(state(third.model)).toEqual(before);
    await third.journal.close();
    expect(intact).toBeGreaterThan(0);
  });

  it('drops a last record whose checksum does not match (zero-filled or garbled tail)', async () => {
    const first = await openModel();
    await writeSome(first.model, first.journal, 1, 2);
    const before = state(first.model);
    await first.journal.close();
    await appendFile(await newestJournal(), `${'\u0000'.repeat(40)}\n`);
    const second = await openModel();
    expect(state(second.model)).toEqual(before);
    await second.journal.close();
  });

  it('refuses to open a folder whose journal is corrupt before its last record', async () => {
    const first = await openModel();
    await writeSome(first.model, first.journal, 1, 3);
    await first.journal.close();
    const file = await newestJournal();
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    await writeFile(file, [lines[0]?.replace('"v1"', '"vX"'), ...lines.slice(1)].join('\n'));
    await expect(DurableJournal.open(dataDir)).rejects.toThrow(EmulatorStorageError);
    await expect(DurableJournal.open(dataDir)).rejects.toThrow(/corrupt at byte 0/);
  });

  it('compacts into a snapshot once the journal passes its limit, and restores the same state', async () => {
    const first = await openModel({ compactAfterBytes: 2_000 });
    await writeSome(first.model, first.journal, 1, 40);
    const before = state(first.model);
    await first.journal.close();
    const files = await readdir(dataDir);
    expect(files.filter((name) => name.startsWith('journal-'))).toHaveLength(1);
    expect(files).toContain('snapshot.ndjson');
    expect((await stat(await newestJournal())).size).toBeLessThan(4_000);
    const second = await openModel();
    expect(state(second.model)).toEqual(before);
    await second.journal.close();
  });

  it('skips batches a snapshot already holds when a crash left the old journal behind', async () => {
    const first = await openModel();
    await writeSome(first.model, first.journal, 1, 3);
    const oldJournal = await newestJournal();
    await copyFile(oldJournal, join(dataDir, 'kept-copy'));
    await first.journal.compact(() => first.model.snapshot());
    await writeSome(first.model, first.journal, 4, 5);
    const before = state(first.model);
    await first.journal.close();
    await copyFile(join(dataDir, 'kept-copy'), oldJournal);
    await rm(join(dataDir, 'kept-copy'));
    const second = await openModel();
    expect(state(second.model)).toEqual(before);
    await second.journal.close();
  });

  it('keeps a second opener off a folder in use, and takes over a dead owner’s lock', async () => {
    const owner = await openModel();
    await expect(DurableJournal.open(dataDir)).rejects.toThrow(/in use by another emulator \(pid \d+\)/);
    await owner.journal.close();
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(join(dataDir, 'LOCK'), exited.stdout);
    const next = await openModel();
    await next.journal.close();
  });

  it('rejects durability, now and for every later write, once a write to disk fails', async () => {
    const { model, journal } = await openModel();
    await writeSome(model, journal, 1, 1);
    // Pull the file out from under the writer, as a failing disk would: close its descriptor behind its back.
    closeDescriptorsOf(dataDir);
    model.putSecretValue({ SecretId: 's', SecretString: 'v2', ClientRequestToken: TOKEN(2) });
    await expect(journal.durable()).rejects.toThrow(EmulatorStorageError);
    await expect(journal.durable()).rejects.toThrow(/cannot acknowledge writes any more/);
    model.putSecretValue({ SecretId: 's', SecretString: 'v3', ClientRequestToken: TOKEN(3) });
    await expect(journal.durable()).rejects.toThrow(EmulatorStorageError);
    await journal.close().catch(() => undefined);
  });
});
