import { parseArgs } from 'node:util';
import { startServer } from './serve.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '4567' },
    host: { type: 'string', default: '127.0.0.1' },
    project: { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`baton-server: --port must be an integer 0..65535, got "${values.port}"`);
  process.exit(2);
}
const server = await startServer({ port, host: values.host, projectDir: values.project });
console.error(`baton-server listening on ${server.url} (token: ${server.tokenSource})`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
