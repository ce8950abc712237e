// Reviews the current project with one model-backed agent.
// Configure a model first, e.g. `export ANTHROPIC_API_KEY=...`, or for a local Ollama:
// `export BATON_BASE_URL=http://127.0.0.1:11434/v1 BATON_MODEL=llama3.2`.
import { createModelExecutor, resolveModelConfig } from '@baton/executors';

const projectRoot = process.cwd();
const config = resolveModelConfig({ projectRoot });
const executor = createModelExecutor({ ...config, projectRoot, maxToolSteps: 8 });

const result = await executor(
  {
    id: 'code_reviewer',
    role: 'Code Quality Reviewer',
    tier: 'CHEAP',
    instructions: 'Review this project for bugs and risky code. Read the code before judging it.',
    resourceRequirements: { maxTokens: 4000 },
  },
  { task: 'review the project' },
  { signal: AbortSignal.timeout(300_000) },
);

// biome-ignore-start lint/suspicious/noConsole: an example prints its result
if (result.success) {
  console.log(JSON.stringify(result.output, null, 2));
} else {
  console.error(`Review failed: ${result.error}`);
}
console.log('usage:', result.usage);
// biome-ignore-end lint/suspicious/noConsole: an example prints its result
