// biome-ignore-all lint/suspicious/noConsole: an example prints its results
import { ParallelStrategy, TeachingStrategy } from '@baton/strategies';

// An agent of your own framework: anything with an `id`, optionally a tier and a time limit.
interface ToyAgent {
  id: string;
  tier?: 'CHEAP' | 'CAPABLE' | 'PREMIUM';
  resourceRequirements?: { timeoutSeconds?: number };
  answer(question: string, signal: AbortSignal): Promise<{ text: string; score: number }>;
}

const wordCounter: ToyAgent = {
  id: 'word-counter',
  async answer(question) {
    return { text: `${question.split(/\s+/).length} words`, score: 1 };
  },
};
const shouter: ToyAgent = {
  id: 'shouter',
  async answer(question) {
    return { text: question.toUpperCase(), score: 0.9 };
  },
};
const sleepyHead: ToyAgent = {
  id: 'sleepy-head',
  resourceRequirements: { timeoutSeconds: 0.05 },
  answer: () => new Promise(() => {}), // never answers; Baton enforces its time limit
};
const junior: ToyAgent = {
  id: 'junior',
  tier: 'CHEAP',
  async answer(question) {
    return { text: `maybe: ${question}?`, score: 0.4 };
  },
};
const expert: ToyAgent = {
  id: 'expert',
  tier: 'PREMIUM',
  async answer(question) {
    return { text: `Yes: ${question}.`, score: 0.95 };
  },
};

// The one seam: a plain async function that runs one of your agents.
async function executor(
  agent: ToyAgent,
  context: Record<string, unknown>,
  { signal }: { signal: AbortSignal },
) {
  const { text, score } = await agent.answer(String(context.question), signal);
  return { output: text, confidence: score };
}

export const review = await new ParallelStrategy({ executor }).execute(
  [wordCounter, shouter, sleepyHead],
  { question: 'is this ready to ship' },
);
console.log(review.success); // false: one agent timed out
console.log(review.aggregatedOutput.outputs); // ['5 words', 'IS THIS READY TO SHIP', undefined]
console.log(review.errors); // ['Agent "sleepy-head" timed out after 0.05s']

export const docs = await new TeachingStrategy({ executor }).execute([junior, expert], {
  question: 'is the API documented',
});
console.log(docs.aggregatedOutput.outcome); // 'expert_takeover' (junior confidence 0.4 < 0.7)
console.log(docs.aggregatedOutput.expertOutput); // 'Yes: is the API documented.'
