// A worker process of queue.bench.mjs: node queue-bench-worker.mjs '<json options>'. Answers at
// once, or after `workMs` (standing in for an agent's time), and prints "ready" once it listens.
import { startWorker } from '@baton/queue';

const options = JSON.parse(process.argv[2]);
const executor = async (agent) => {
  if (options.workMs > 0) await new Promise((resolve) => setTimeout(resolve, options.workMs));
  return {
    output: { summary: `${agent.id} finished` },
    confidence: 0.9,
    usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001 },
  };
};
const worker = await startWorker({
  connection: options.url,
  prefix: options.prefix,
  executor,
  name: options.name,
  concurrency: options.concurrency,
});
process.on('SIGTERM', async () => {
  await worker.close();
  process.exit(0);
});
process.stdout.write('ready\n');
