import { expect, it } from 'vitest';
import { agentTemplateSchema, parseWith, retry, ValidationError, withTimeout } from './index.js';

it('runs the README example', async () => {
  let message = '';
  try {
    parseWith(agentTemplateSchema, { id: 'x', role: '' }, { label: 'template' });
  } catch (error) {
    if (error instanceof ValidationError) message = error.message;
  }
  expect(message).toMatch(/^template\.role: must be a non-empty string; template\.capabilities: /);

  let attempts = 0;
  const answer = await retry(
    () =>
      withTimeout(
        async () => {
          attempts += 1;
          if (attempts < 2) throw new Error('busy');
          return 'done';
        },
        { timeoutSeconds: 1 },
      ),
    { initialDelayMs: 10 },
  );
  expect(answer).toBe('done');
  expect(attempts).toBe(2);
});
