// A Secrets Manager emulator in its own process, for crash tests: `node --import tsx
// emulator-process.ts <dataDir> [options JSON]` prints {"endpoint"} once it serves, then runs until killed.
import { startSecretsManagerEmulator, type SecretsManagerEmulatorOptions } from '../../../src/local/secrets-manager/index.js';

const [dataDir, optionsJson] = process.argv.slice(2);
if (dataDir === undefined) {
  process.stderr.write('usage: emulator-process.ts <dataDir> [options JSON]\n');
  process.exit(2);
}
const options = JSON.parse(optionsJson ?? '{}') as SecretsManagerEmulatorOptions;
const emulator = await startSecretsManagerEmulator({ ...options, dataDir });
process.stdout.write(`${JSON.stringify({ endpoint: emulator.endpoint, pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0));
});
