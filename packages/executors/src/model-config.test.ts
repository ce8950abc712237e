import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BatonError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { resolveModelConfig } from './model-config.js';

function projectWith(config: unknown): string {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-config-'));
  writeFileSync(
    path.join(root, 'baton.config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  return root;
}
const empty = () => mkdtempSync(path.join(tmpdir(), 'baton-empty-'));

describe('resolveModelConfig', () => {
  it('fails with a one-line CONFIGURATION error saying what to set when nothing is configured', () => {
    let error: unknown;
    try {
      resolveModelConfig({ env: {}, projectRoot: empty() });
    } catch (caught) {
      error = caught;
    }
    expect(BatonError.isInstance(error)).toBe(true);
    expect((error as BatonError).code).toBe('BATON_CONFIGURATION');
    expect((error as BatonError).message).toMatch(
      /^No model provider configured: set ANTHROPIC_API_KEY or OPENAI_API_KEY/,
    );
    expect((error as BatonError).message).not.toContain('\n');
  });

  it('infers anthropic from its key and uses the default tier models', () => {
    expect(resolveModelConfig({ env: { ANTHROPIC_API_KEY: 'k' }, projectRoot: empty() })).toEqual({
      provider: 'anthropic',
      apiKey: 'k',
      models: {
        CHEAP: 'claude-haiku-4-5',
        CAPABLE: 'claude-sonnet-4-5',
        PREMIUM: 'claude-opus-4-5',
      },
    });
  });

  it('lets environment variables override the configuration file', () => {
    const root = projectWith({
      model: {
        provider: 'openai',
        models: { CHEAP: 'file-cheap', CAPABLE: 'file-capable' },
        prices: { 'file-cheap': { inputPerMillion: 1, outputPerMillion: 2 } },
      },
    });
    const config = resolveModelConfig({
      env: { OPENAI_API_KEY: 'sk', BATON_MODEL_CHEAP: 'env-cheap' },
      projectRoot: root,
    });
    expect(config.models).toEqual({
      CHEAP: 'env-cheap',
      CAPABLE: 'file-capable',
      PREMIUM: 'gpt-5',
    });
    expect(config.prices).toEqual({ 'file-cheap': { inputPerMillion: 1, outputPerMillion: 2 } });
  });

  it('configures an OpenAI-compatible server from BATON_BASE_URL and BATON_MODEL', () => {
    expect(
      resolveModelConfig({
        env: { BATON_BASE_URL: 'http://127.0.0.1:11434/v1', BATON_MODEL: 'llama3.2' },
        projectRoot: empty(),
      }),
    ).toEqual({
      provider: 'openai-compatible',
      baseURL: 'http://127.0.0.1:11434/v1',
      models: { CHEAP: 'llama3.2', CAPABLE: 'llama3.2', PREMIUM: 'llama3.2' },
    });
  });

  it('says which variable is missing', () => {
    expect(() =>
      resolveModelConfig({ env: { BATON_PROVIDER: 'anthropic' }, projectRoot: empty() }),
    ).toThrow('ANTHROPIC_API_KEY is not set');
    expect(() =>
      resolveModelConfig({
        env: { BATON_BASE_URL: 'http://127.0.0.1:1/v1' },
        projectRoot: empty(),
      }),
    ).toThrow('No model set for tier CHEAP of the openai-compatible provider: set BATON_MODEL');
  });

  it('names the offending field of a bad value', () => {
    expect(() =>
      resolveModelConfig({ env: { BATON_PROVIDER: 'gemini' }, projectRoot: empty() }),
    ).toThrow('BATON_PROVIDER: must be one of anthropic, openai, openai-compatible');
    const root = projectWith({ model: { provider: 'openai', models: { CHEAP: 3 } } });
    expect(() => resolveModelConfig({ env: { OPENAI_API_KEY: 'k' }, projectRoot: root })).toThrow(
      'baton.config.json model.models.CHEAP',
    );
    expect(() =>
      resolveModelConfig({
        env: { OPENAI_API_KEY: 'k' },
        projectRoot: projectWith({ model: { provider: 'openai', maxToolSteps: 'many' } }),
      }),
    ).toThrow(/^baton\.config\.json model\.maxToolSteps: /);
    expect(() =>
      resolveModelConfig({
        env: { OPENAI_API_KEY: 'k', BATON_BASE_URL: 'nope' },
        projectRoot: empty(),
      }),
    ).toThrow('BATON_BASE_URL: must be a URL, got "nope"');
    expect(() =>
      resolveModelConfig({
        env: { OPENAI_API_KEY: 'k' },
        projectRoot: projectWith({ qualityGates: { min_coverage: '80' } }),
      }),
    ).toThrow(
      'baton.config.json qualityGates: unknown section (the file may hold $schema, agentCli, model, rateLimits, releasePrep, securityDeepDive)',
    );
    expect(() => resolveModelConfig({ env: {}, projectRoot: projectWith('{oops') })).toThrow(
      'is not valid JSON',
    );
    expect(() =>
      resolveModelConfig({ env: {}, configFile: '/nonexistent/baton.config.json' }),
    ).toThrow('Configuration file not found');
  });
});
