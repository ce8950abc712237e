import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCliConfig } from './cli-config.js';

function projectWith(config: unknown): string {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-cli-config-'));
  writeFileSync(path.join(root, 'baton.config.json'), JSON.stringify(config));
  return root;
}

describe('resolveCliConfig', () => {
  it('reads the agentCli section, with BATON_AGENT_CLI overriding the chain', () => {
    const root = projectWith({
      agentCli: {
        chain: ['gemini'],
        models: { codex: { PREMIUM: 'gpt-5-codex' } },
        validate: 'pnpm test',
        worktree: true,
      },
    });
    expect(resolveCliConfig({ env: {}, projectRoot: root })).toEqual({
      chain: ['gemini'],
      models: { codex: { PREMIUM: 'gpt-5-codex' } },
      validate: 'pnpm test',
      worktree: true,
    });
    expect(
      resolveCliConfig({ env: { BATON_AGENT_CLI: 'claude,codex' }, projectRoot: root }).chain,
    ).toEqual(['claude', 'codex']);
  });

  it('returns nothing configured for a project without a file', () => {
    expect(
      resolveCliConfig({ env: {}, projectRoot: mkdtempSync(path.join(tmpdir(), 'baton-none-')) }),
    ).toEqual({});
  });

  it('names the offending field', () => {
    expect(() =>
      resolveCliConfig({ env: {}, projectRoot: projectWith({ agentCli: { chain: ['aider'] } }) }),
    ).toThrow('baton.config.json agentCli.chain: unknown agent CLI "aider"');
    expect(() =>
      resolveCliConfig({ env: {}, projectRoot: projectWith({ agentCli: { timeoutSeconds: 0 } }) }),
    ).toThrow('baton.config.json agentCli.timeoutSeconds: must be > 0');
    expect(() =>
      resolveCliConfig({ env: { BATON_AGENT_CLI: 'vim' }, projectRoot: projectWith({}) }),
    ).toThrow('BATON_AGENT_CLI: unknown agent CLI "vim"');
  });
});
