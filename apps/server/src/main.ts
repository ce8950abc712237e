import { parseArgs } from 'node:util';
import { createBatonServer } from './server.js';

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
const server = createBatonServer(
  values.project === undefined ? {} : { projectDir: values.project },
);
server.listen(port, values.host, () => {
  const address = server.address();
  const shown = typeof address === 'object' && address !== null ? address.port : port;
  console.error(`baton-server listening on http://${values.host}:${shown}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
