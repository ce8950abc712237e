import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, RUN_STATES, RunStateMachine } from './state-machine.js';

describe('RunStateMachine', () => {
  it('follows the happy path and records every transition with its time', () => {
    let tick = 0;
    const machine = new RunStateMachine({
      now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
    });
    for (const trigger of ['start', 'plan', 'execute', 'monitor', 'complete', 'finish'] as const) {
      machine.transition(trigger);
    }
    expect(machine.state).toBe('idle');
    expect(machine.history.map((record) => `${record.from}>${record.to}`)).toEqual([
      'idle>analyzing',
      'analyzing>planning',
      'planning>executing',
      'executing>monitoring',
      'monitoring>completing',
      'completing>idle',
    ]);
    expect(machine.history[0]!.at).toBe('2026-01-01T00:00:00.000Z');
    expect(machine.history[5]!.at).toBe('2026-01-01T00:00:05.000Z');
  });

  it('escalates from monitoring and returns to executing on a user response', () => {
    const machine = new RunStateMachine();
    machine.transition('start');
    machine.transition('plan');
    machine.transition('execute');
    machine.transition('monitor');
    machine.transition('escalate', { decisionId: 'd1' });
    expect(machine.state).toBe('escalating');
    machine.transition('user_response');
    expect(machine.state).toBe('executing');
    expect(machine.history[4]!.data).toEqual({ decisionId: 'd1' });
  });

  it('rejects an illegal transition with an error naming state and trigger', () => {
    const machine = new RunStateMachine();
    expect(() => machine.transition('finish')).toThrow(IllegalTransitionError);
    expect(() => machine.transition('execute')).toThrow(
      'Illegal run transition: "execute" is not allowed in state "idle"',
    );
    expect(machine.state).toBe('idle');
    expect(machine.history).toHaveLength(0);
  });

  it('allows error from every state and recover only from error', () => {
    for (const state of RUN_STATES) {
      const machine = new RunStateMachine({ state });
      expect(machine.can('recover')).toBe(state === 'error');
      machine.transition('error', { reason: 'boom' });
      expect(machine.state).toBe('error');
      machine.transition('recover');
      expect(machine.state).toBe('idle');
    }
  });

  it('reports each transition to the listener and restores saved history', () => {
    const seen: string[] = [];
    const machine = new RunStateMachine({ onTransition: (record) => seen.push(record.to) });
    machine.transition('start');
    const restored = new RunStateMachine({ state: machine.state, history: machine.history });
    restored.transition('plan');
    expect(seen).toEqual(['analyzing']);
    expect(restored.history.map((record) => record.to)).toEqual(['analyzing', 'planning']);
  });
});
