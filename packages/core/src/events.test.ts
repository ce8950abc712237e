import { describe, expect, it } from 'vitest';
import { type AgentEndEvent, BatonEmitter } from './events.js';

describe('BatonEmitter', () => {
  it('delivers typed events to listeners', () => {
    const events = new BatonEmitter();
    const seen: AgentEndEvent[] = [];
    events.on('agent-end', (event) => seen.push(event));
    const event: AgentEndEvent = {
      agentId: 'a',
      strategy: 'sequential',
      timestamp: 1,
      result: {
        agentId: 'a',
        success: true,
        output: 'x',
        confidence: 1,
        durationSeconds: 0,
        error: '',
      },
    };
    events.emit('agent-end', event);
    expect(seen).toEqual([event]);
  });
});
