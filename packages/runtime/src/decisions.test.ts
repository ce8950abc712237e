import { join } from 'node:path';
import { createTaskGraph, matchApprovalRule, parseApprovalRules, RunEmitter } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { RunStore } from './run-store.js';
import { Runtime } from './runtime.js';
import { collect, graphOf, scriptedExecutor, tempBatonDir } from './test-helpers.js';

describe('approval rules', () => {
  it('by default ask a person before anything that pushes, publishes or deploys', () => {
    const graph = createTaskGraph({
      steps: [
        { id: 'review', agent: { id: 'code_reviewer', role: 'Code Quality Reviewer' } },
        { id: 'ship', agent: { id: 'releaser', tools: ['npm_publish'] } },
        { id: 'git', agent: { id: 'git_push_bot' } },
      ],
    });
    const rules = parseApprovalRules([
      { id: 'side-effects', reason: 'side effects', pattern: 'push|publish|deploy' },
    ]);
    expect(matchApprovalRule(graph.steps[0]!, rules)).toBeUndefined();
    expect(matchApprovalRule(graph.steps[1]!, rules)?.id).toBe('side-effects');
    expect(matchApprovalRule(graph.steps[2]!, rules)?.id).toBe('side-effects');
    expect(() => parseApprovalRules([{ id: 'x', reason: 'y', pattern: '(' }])).toThrow(
      'approvalRules.0.pattern',
    );
  });
});

describe('Runtime: human decisions', () => {
  it('pauses before a deploy step, and runs it after `decisions approve` and resume', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = scriptedExecutor({});
    const graph = graphOf([{ id: 'build' }, { id: 'deploy', dependsOn: ['build'] }]);
    const events = new RunEmitter();
    const seen = collect(events);
    const paused = await runtime.run(graph, { executor, events, runId: 'deploy-1' });
    expect(paused.status).toBe('paused');
    expect(paused.steps.deploy!.status).toBe('awaiting-decision');
    expect(executor.count('deploy')).toBe(0);
    expect(paused.pendingDecisions).toHaveLength(1);
    expect(seen.some((event) => event.type === 'decision-pending')).toBe(true);
    const details = await runtime.store.show('deploy-1');
    expect(details.state).toBe('escalating');
    // `baton decisions list` / `approve` from another process: a separate store on the same folder.
    const decisions = new RunStore({ dir });
    const pending = (await decisions.decisions({ status: 'pending' })).decisions;
    expect(pending.map((decision) => decision.stepId)).toEqual(['deploy']);
    expect(pending[0]).toMatchObject({
      kind: 'approval',
      rule: 'side-effects',
      defaultAction: 'reject',
    });
    const approved = await decisions.decide(pending[0]!.id, 'approve', { note: 'ship it' });
    expect(approved).toMatchObject({ status: 'approved', resolvedBy: 'person', note: 'ship it' });
    await expect(decisions.decide(pending[0]!.id, 'reject')).rejects.toThrow(
      'is already approved (by person)',
    );
    const resumed = await runtime.resume('deploy-1', { executor }).result;
    expect(resumed.status).toBe('succeeded');
    expect(executor.calls.map((call) => call.agentId)).toEqual(['build', 'deploy']);
    const record = await runtime.store.loadRun('deploy-1');
    expect(record.history.map((entry) => entry.trigger)).toContain('user_response');
    const audit = await new AuditLog({ path: join(dir, 'audit.jsonl') }).read({
      runId: 'deploy-1',
    });
    expect(audit.map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['approval-required', 'decision', 'run-resume']),
    );
  });

  it('fails a rejected step with its note, and the run with it', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = scriptedExecutor({});
    await runtime.run(graphOf([{ id: 'publish' }]), { executor, runId: 'pub-1' });
    const [decision] = await listDecisions(runtime, { runId: 'pub-1' });
    await rejectDecision(runtime, decision!.id, { note: 'not today' });
    const result = await runtime.resume('pub-1', { executor }).result;
    expect(result.status).toBe('failed');
    expect(result.steps.publish).toMatchObject({ status: 'failed', reason: 'rejected' });
    expect(result.steps.publish!.result!.error).toContain('not approved');
    expect(result.steps.publish!.result!.error).toContain('not today');
    expect(executor.count('publish')).toBe(0);
  });

  it('applies the default action when the deadline passes (wait mode)', async () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false, pollIntervalMs: 10 });
    const executor = scriptedExecutor({});
    const result = await runtime.run(graphOf([{ id: 'deploy' }]), {
      executor,
      decisionMode: 'wait',
      escalation: { deadlineSeconds: 0.05, defaultAction: 'approve' },
    });
    expect(result.status).toBe('succeeded');
    const decisions = await listDecisions(runtime, { runId: result.runId });
    expect(decisions[0]).toMatchObject({ status: 'approved', resolvedBy: 'deadline' });
  });

  it('asks an in-process handler (the terminal prompt) first', async () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const executor = scriptedExecutor({});
    const asked: string[] = [];
    const result = await runtime.run(graphOf([{ id: 'deploy' }]), {
      executor,
      onDecision: async (decision) => {
        asked.push(decision.stepId);
        return { action: 'approve', note: 'from prompt' };
      },
    });
    expect(asked).toEqual(['deploy']);
    expect(result.status).toBe('succeeded');
  });

  it('escalates a risky low-confidence result; approval accepts it without re-running', async () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const executor = scriptedExecutor({ migrate: [{ output: 'plan', confidence: 0.3 }] });
    const graph = graphOf([{ id: 'migrate', risky: true }]);
    const paused = await runtime.run(graph, { executor, approvalRules: [] });
    expect(paused.status).toBe('paused');
    expect(paused.pendingDecisions[0]).toMatchObject({ kind: 'low-confidence' });
    expect(paused.pendingDecisions[0]!.result).toMatchObject({ output: 'plan', confidence: 0.3 });
    await approveDecision(runtime, paused.pendingDecisions[0]!.id);
    const result = await runtime.resume(paused.runId, { executor, approvalRules: [] }).result;
    expect(result.status).toBe('succeeded');
    expect(result.steps.migrate!.result!.output).toBe('plan');
    expect(executor.count('migrate')).toBe(1);
  });

  it('escalates a step whose retries and fallbacks are exhausted; approval tries it again', async () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const executor = scriptedExecutor({
      flaky: [new Error('broken'), { output: 'fixed', confidence: 0.9 }],
    });
    const paused = await runtime.run(graphOf([{ id: 'flaky' }]), { executor, approvalRules: [] });
    expect(paused.status).toBe('paused');
    expect(paused.pendingDecisions[0]).toMatchObject({
      kind: 'escalation',
      failure: { kind: 'error', message: 'Agent "flaky" failed: broken' },
    });
    await approveDecision(runtime, paused.pendingDecisions[0]!.id, {
      note: 'network is back',
    });
    const result = await runtime.resume(paused.runId, { executor, approvalRules: [] }).result;
    expect(result.status).toBe('succeeded');
    expect(result.steps.flaky!.attempts.map((attempt) => attempt.success)).toEqual([false, true]);
  });

  it('keeps running independent steps while a decision is pending', async () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const executor = scriptedExecutor({});
    const result = await runtime.run(
      graphOf([{ id: 'deploy' }, { id: 'docs' }, { id: 'lint', dependsOn: ['docs'] }]),
      { executor },
    );
    expect(result.status).toBe('paused');
    expect(result.steps.docs!.status).toBe('succeeded');
    expect(result.steps.lint!.status).toBe('succeeded');
    expect(result.progress).toMatchObject({ done: 2, awaitingDecision: 1 });
  });
});

describe('Runtime: decisions across a crash', () => {
  it('restores a pending decision after a crash and pauses again in the escalating state', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = scriptedExecutor({});
    await runtime.run(graphOf([{ id: 'deploy' }]), { executor, runId: 'crash-d' });
    const record = await runtime.store.loadRun('crash-d');
    runtime.checkpointer.saveRun({ ...record, status: 'running', pid: 2 ** 22 + 999 });
    const result = await runtime.resume('crash-d', { executor }).result;
    expect(result.status).toBe('paused');
    expect(result.pendingDecisions).toHaveLength(1);
    const after = await runtime.store.loadRun('crash-d');
    expect(after.state).toBe('escalating');
    expect(after.history.slice(-7).map((entry) => entry.trigger)).toEqual([
      'error',
      'recover',
      'start',
      'plan',
      'execute',
      'monitor',
      'escalate',
    ]);
    expect(after.history.at(-7)!.data).toEqual({ reason: 'crashed' });
    expect(after.history.at(-1)!.trigger).toBe('escalate');
    expect(executor.count('deploy')).toBe(0);
  });
});

async function listDecisions(runtime: Runtime, filter: { runId?: string; status?: 'pending' }) {
  return (await runtime.store.decisions(filter)).decisions;
}

function approveDecision(runtime: Runtime, id: string, options: { note?: string } = {}) {
  return runtime.store.decide(id, 'approve', options);
}

function rejectDecision(runtime: Runtime, id: string, options: { note?: string } = {}) {
  return runtime.store.decide(id, 'reject', options);
}
