import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { EmulatorStorageError } from './errors.js';
import type { StateChange } from './state.js';

/**
 * Durable storage for the emulator: an append-only journal of {@link StateChange} batches plus a
 * snapshot that folds older journals away.
 *
 * - Every line is `<16 hex of sha256> <json>\n`, so a torn or garbled line is recognised. Only the
 *   last line of the newest journal can be torn by a crash (appends are sequential); it is dropped
 *   on open. A bad line anywhere else is corruption and fails the open.
 * - Writes are group-committed: batches queue synchronously, one writer appends them and
 *   `fdatasync`s, and {@link DurableJournal.durable} resolves once everything appended before the
 *   call is on disk. The HTTP layer awaits it before answering, so an acknowledged write survives
 *   `kill -9`.
 * - Batches carry a sequence number; the snapshot records the last one it contains, and replay
 *   skips what the snapshot already holds. Compaction switches to a new journal file first, then
 *   writes the snapshot to a temporary file and renames it, then deletes the folded journals, so a
 *   crash at any step leaves a readable directory.
 * - A `LOCK` file with the owner's pid keeps two emulators off one directory; a dead owner's lock
 *   (left by `kill -9`) is taken over.
 */

/** Options for {@link DurableJournal.open}. */
export interface DurableJournalOptions {
  /** Fold the journal into a snapshot once it grows past this many bytes. Default 64 MiB. */
  compactAfterBytes?: number;
}

const SNAPSHOT = 'snapshot.ndjson';
const SNAPSHOT_TEMP = 'snapshot.ndjson.tmp';
const LOCK = 'LOCK';
const JOURNAL_PATTERN = /^journal-(\d{16})\.ndjson$/;

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The emulator's durable journal (see the module comment for the format and guarantees).
 *
 * @example
 * ```ts
 * const { journal, changes } = await DurableJournal.open('/var/lib/sm-emulator');
 * const model = new SecretsManagerModel({ onChanges: (batch) => journal.append(batch) });
 * model.restore(changes);
 * await journal.compact(() => model.snapshot());
 * // after each request: await journal.durable(); then answer
 * ```
 */
export class DurableJournal {
  #queue: string[] = [];
  #waiters: Waiter[] = [];
  #appendedSeq: number;
  #durableSeq: number;
  #journalBytes = 0;
  #writing: Promise<void> | undefined;
  #failure: Error | undefined;
  #closed = false;
  #snapshotSource: (() => Iterable<StateChange>) | undefined;
  #compactionRequested = false;

  readonly #directory: string;
  #handle: FileHandle;
  #journalStartSeq: number;
  readonly #compactAfterBytes: number;

  constructor(directory: string, handle: FileHandle, journalStartSeq: number, lastSeq: number, compactAfterBytes: number) {
    this.#directory = directory;
    this.#handle = handle;
    this.#journalStartSeq = journalStartSeq;
    this.#compactAfterBytes = compactAfterBytes;
    this.#appendedSeq = lastSeq;
    this.#durableSeq = lastSeq;
  }

  /** Opens (creating if needed) `directory`, returning the journal and the changes to restore. */
  static async open(directory: string, options: DurableJournalOptions = {}): Promise<{ journal: DurableJournal; changes: StateChange[] }> {
    await mkdir(directory, { recursive: true });
    await takeLock(directory);
    try {
      const changes: StateChange[] = [];
      let lastSeq = 0;
      const snapshot = await readLines(join(directory, SNAPSHOT), false);
      if (snapshot.length > 0) {
        const [header, ...records] = snapshot;
        const parsed = header as { snapshotOf?: unknown } | undefined;
        if (typeof parsed?.snapshotOf !== 'number')
          throw new EmulatorStorageError(`${join(directory, SNAPSHOT)} does not start with a snapshot header.`);
        lastSeq = parsed.snapshotOf;
        for (const record of records) changes.push(...(record as { c: StateChange[] }).c);
      }
      const journals = (await readdir(directory))
        .map((name) => ({ name, match: JOURNAL_PATTERN.exec(name) }))
        .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
        .map(({ name, match }) => ({ name, startSeq: Number(match[1]) }))
        .sort((a, b) => a.startSeq - b.startSeq);
      for (const [index, { name }] of journals.entries()) {
        const records = await readLines(join(directory, name), index === journals.length - 1);
        for (const record of records) {
          const { s, c } = record as { s: number; c: StateChange[] };
          if (s <= lastSeq) continue;
          if (s !== lastSeq + 1) throw new EmulatorStorageError(`${join(directory, name)} skips from batch ${lastSeq} to ${s}.`);
          changes.push(...c);
          lastSeq = s;
        }
      }
      const startSeq = lastSeq + 1;
      const handle = await open(join(directory, journalName(startSeq)), constants.O_CREAT | constants.O_APPEND | constants.O_WRONLY);
      await syncDirectory(directory);
      const journal = new DurableJournal(directory, handle, startSeq, lastSeq, options.compactAfterBytes ?? 64 * 1024 * 1024);
      return { journal, changes };
    } catch (error) {
      await rm(join(directory, LOCK), { force: true });
      throw error;
    }
  }

  /** Queues one batch of changes; {@link durable} tells when it is on disk. */
  append(changes: readonly StateChange[]): void {
    if (this.#closed) throw new EmulatorStorageError('The journal is closed.');
    this.#appendedSeq += 1;
    this.#queue.push(encodeLine({ s: this.#appendedSeq, c: changes }));
    this.#writing ??= this.#drain();
  }

  /** Resolves once every batch appended before this call is durable; rejects if storage failed. */
  durable(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#durableSeq >= this.#appendedSeq) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ seq: this.#appendedSeq, resolve, reject }));
  }

  /**
   * Folds everything so far into a new snapshot taken from `source` (the model's current state),
   * and remembers `source` for automatic compaction once the journal passes its size limit.
   * Compaction runs in the single writer, between batches, never beside a write.
   */
  async compact(source: () => Iterable<StateChange>): Promise<void> {
    this.#snapshotSource = source;
    this.#compactionRequested = true;
    this.#writing ??= this.#drain();
    await this.#writing;
    if (this.#failure) throw this.#failure;
  }

  /** Waits for pending writes, then closes the files and releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing?.catch(() => undefined);
    await this.#handle.close();
    await rm(join(this.#directory, LOCK), { force: true });
  }

  /** The single writer: appends and syncs queued batches, and compacts between them. */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 || this.#compactionRequested) {
        if (this.#queue.length > 0) {
          const batch = this.#queue.join('');
          const upTo = this.#appendedSeq;
          this.#queue = [];
          await this.#handle.appendFile(batch);
          await this.#handle.datasync();
          this.#journalBytes += Buffer.byteLength(batch);
          this.#durableSeq = upTo;
          this.#release();
        }
        if (this.#compactionRequested || this.#journalBytes > this.#compactAfterBytes) {
          this.#compactionRequested = false;
          await this.#writeSnapshot();
        }
      }
    } catch (error) {
      this.#failure = new EmulatorStorageError(
        `Writing the emulator journal in ${this.#directory} failed; the emulator cannot acknowledge writes any more.`,
        {
          cause: error,
        },
      );
      for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#failure);
    } finally {
      this.#writing = undefined;
    }
  }

  #release(): void {
    const ready = this.#waiters.filter((waiter) => waiter.seq <= this.#durableSeq);
    this.#waiters = this.#waiters.filter((waiter) => waiter.seq > this.#durableSeq);
    for (const waiter of ready) waiter.resolve();
  }

  async #writeSnapshot(): Promise<void> {
    const source = this.#snapshotSource;
    if (!source) return;
    // The model is synchronous, so this snapshot holds exactly the batches appended so far.
    const snapshotOf = this.#appendedSeq;
    const lines = [encodeLine({ snapshotOf }), ...[...source()].map((change) => encodeLine({ c: [change] }))];
    const previousStart = this.#journalStartSeq;
    const nextStart = snapshotOf + 1;
    if (nextStart !== previousStart) {
      const next = await open(join(this.#directory, journalName(nextStart)), constants.O_CREAT | constants.O_APPEND | constants.O_WRONLY);
      await syncDirectory(this.#directory);
      const previous = this.#handle;
      this.#handle = next;
      this.#journalStartSeq = nextStart;
      this.#journalBytes = 0;
      await previous.close();
    }
    const temp = join(this.#directory, SNAPSHOT_TEMP);
    const file = await open(temp, 'w');
    try {
      await file.writeFile(lines.join(''));
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(temp, join(this.#directory, SNAPSHOT));
    await syncDirectory(this.#directory);
    for (const name of await readdir(this.#directory)) {
      const match = JOURNAL_PATTERN.exec(name);
      if (match && Number(match[1]) < this.#journalStartSeq) await rm(join(this.#directory, name), { force: true });
    }
  }
}

function journalName(startSeq: number): string {
  return `journal-${String(startSeq).padStart(16, '0')}.ndjson`;
}

function encodeLine(record: unknown): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

/**
 * The records of a file. With `tornTailAllowed`, an unreadable last line (a crash mid-append) is
 * cut off the file; otherwise, and for any earlier line, it is corruption.
 */
async function readLines(path: string, tornTailAllowed: boolean): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new EmulatorStorageError(`Cannot read ${path}.`, { cause: error });
  }
  const records: unknown[] = [];
  let offset = 0;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    const line = end < 0 ? text.slice(offset) : text.slice(offset, end);
    const record = decodeLine(line);
    if (record === undefined || end < 0) {
      const isLast = end < 0 || end === text.length - 1;
      if (!(tornTailAllowed && isLast)) {
        throw new EmulatorStorageError(`${path} is corrupt at byte ${Buffer.byteLength(text.slice(0, offset))}: the record there is unreadable.`);
      }
      const handle = await open(path, 'r+');
      try {
        await handle.truncate(Buffer.byteLength(text.slice(0, offset)));
        await handle.datasync();
      } finally {
        await handle.close();
      }
      break;
    }
    records.push(record);
    offset = end + 1;
  }
  return records;
}

function decodeLine(line: string): unknown {
  const space = line.indexOf(' ');
  if (space !== 16) return undefined;
  const json = line.slice(space + 1);
  if (checksum(json) !== line.slice(0, space)) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function takeLock(directory: string): Promise<void> {
  const path = join(directory, LOCK);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new EmulatorStorageError(`Cannot lock ${directory}.`, { cause: error });
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new EmulatorStorageError(`${directory} is in use by another emulator (pid ${owner}); give each emulator its own dataDir.`);
    }
    await rm(path, { force: true });
  }
  throw new EmulatorStorageError(`Cannot lock ${directory}: another process keeps creating ${path}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
