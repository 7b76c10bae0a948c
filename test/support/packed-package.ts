/**
 * The package as users get it: `npm pack` of this repository, installed into a fresh project in the
 * system's temporary folder — outside the repository, so nothing resolves from its src/ or
 * node_modules, only from what the tarball declares.
 *
 * @example
 * ```ts
 * const project = await installPackedPackage({ extraDependencies: ['@types/node@20'] });
 * const result = await project.run(process.execPath, ['consumer.mjs']);
 * await project.remove();
 * ```
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface InstalledProject {
  /** The temporary project folder, with the tarball installed in node_modules/token-refresher. */
  directory: string;
  /** Runs a command in the project with a clean environment for module resolution. */
  run(command: string, args: readonly string[], options?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  /** Writes a file into the project. */
  write(name: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

/** The environment of every command in the project: no NODE_PATH or NODE_OPTIONS leaking the repository's modules in. */
export function consumerEnvironment(): NodeJS.ProcessEnv {
  const { NODE_PATH: _path, NODE_OPTIONS: _options, ...rest } = process.env;
  return { ...rest, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/** Packs the repository (its `prepare` script builds dist/) and installs the tarball into a new project. */
export async function installPackedPackage(options: { extraDependencies?: readonly string[] } = {}): Promise<InstalledProject> {
  const directory = await mkdtemp(join(tmpdir(), 'token-refresher-consumer-'));
  const env = consumerEnvironment();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(npm, ['pack', '--silent', '--pack-destination', directory], { cwd: REPOSITORY_ROOT, env, maxBuffer: 16 * 1024 * 1024 });
  const tarball = (await readdir(directory)).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${directory}`);
  await writeFile(join(directory, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
  await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`, ...(options.extraDependencies ?? [])], {
    cwd: directory,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return {
    directory,
    run: (command, args, runOptions = {}) =>
      run(command, [...args], { cwd: directory, env, timeout: runOptions.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }),
    async write(name, content) {
      const file = join(directory, name);
      await writeFile(file, content);
      return file;
    },
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
