/**
 * Child process for call-bounds.test.ts: takes a token, moves its clock past the refresh point, then
 * awaits `getToken({ awaitRefresh: true })` while the refresh function waits on an unref'd timer — the
 * only thing left in the event loop. Prints the result's source and generation, then exits.
 *
 * Usage: node --import tsx test/refresher/await-refresh-process.ts <secretId> <lockTable> <dynamodb endpoint> <secrets manager endpoint>
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TokenRefresher } from '../../src/refresher/index.js';
import { LOCAL_AWS } from '../support/dynamodb.js';
import { OffsetClock } from '../support/offset-clock.js';

const [secretId = '', lockTable = '', dynamodbEndpoint = '', secretsManagerEndpoint = ''] = process.argv.slice(2);
const clock = new OffsetClock();
let issued = 0;
const refresher = new TokenRefresher({
  secretId,
  lockTable,
  clock,
  dynamodb: new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamodbEndpoint }),
  secretsManager: new SecretsManagerClient({ ...LOCAL_AWS, endpoint: secretsManagerEndpoint }),
  refresh: async () => {
    issued += 1;
    if (issued > 1) await new Promise((resolve) => setTimeout(resolve, 300).unref());
    return { token: `child-token-${issued}`, expiresAt: clock.now() + 3_600_000 };
  },
});
await refresher.getToken();
clock.advance(58 * 60_000);
const { source, generation } = await refresher.getToken({ awaitRefresh: true });
process.stdout.write(`${JSON.stringify({ source, generation })}\n`);
await refresher.close();
