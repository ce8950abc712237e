import { describe, expect, it } from 'vitest';
import { DEFAULT_APPROVAL_RULES, matchApprovalRule, parseApprovalRules } from './decisions.js';
import type { TaskStep } from './task-graph.js';

const step = (id: string, extra: Partial<TaskStep> = {}): TaskStep =>
  ({ id, kind: 'agent', agent: { id }, dependsOn: [], ...extra }) as TaskStep;

describe('approval rules', () => {
  it('reads the frozen defaults once and hands out the same frozen rules', () => {
    const first = parseApprovalRules(DEFAULT_APPROVAL_RULES);
    expect(parseApprovalRules(DEFAULT_APPROVAL_RULES)).toBe(first);
    expect(first).toEqual(DEFAULT_APPROVAL_RULES);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0]!.fields)).toBe(true);
    expect(() => (DEFAULT_APPROVAL_RULES[0]!.fields as string[]).push('instructions')).toThrow();
  });

  it('still reads a copy of them, and other rules, every time (naming a bad pattern)', () => {
    expect(parseApprovalRules([...DEFAULT_APPROVAL_RULES])).not.toBe(
      parseApprovalRules(DEFAULT_APPROVAL_RULES),
    );
    expect(() => parseApprovalRules([{ id: 'x', reason: 'y', pattern: '(' }])).toThrow(
      /approvalRules\.0\.pattern/,
    );
  });

  it('matches case-insensitively, the same on every step (compiled patterns keep no state)', () => {
    const rules = parseApprovalRules([{ id: 'rm', reason: 'deletes', pattern: 'delete' }]);
    const steps = [step('Delete-branch'), step('delete_tag'), step('review'), step('DELETE')];
    for (let round = 0; round < 3; round += 1) {
      expect(steps.map((candidate) => matchApprovalRule(candidate, rules)?.id ?? null)).toEqual([
        'rm',
        'rm',
        null,
        'rm',
      ]);
    }
    expect(matchApprovalRule(step('deploy'), DEFAULT_APPROVAL_RULES)?.id).toBe('side-effects');
    expect(matchApprovalRule(step('join', { kind: 'join' }), rules)).toBeUndefined();
  });
});
