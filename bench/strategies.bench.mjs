// Orchestration overhead of @baton/strategies (build it first: pnpm turbo run build --filter=@baton/strategies...).
//
// 1. Per agent step, for each strategy, with an executor that answers immediately: the time a run
//    takes divided by the number of agent steps it runs, next to the cost of awaiting the same
//    executor directly. Every agent has a time limit (300 s), so each step sets up and clears the
//    timer, the abort plumbing, the answer checks and the result, as in real use.
// 2. Parallel fan-out: 100 agents that each sleep 50 ms; the wall time of the run and its overhead
//    over the slowest agent (wall - 50 ms).
import {
  AdaptiveStrategy,
  DebateStrategy,
  ParallelStrategy,
  RefinementStrategy,
  SequentialStrategy,
  TeachingStrategy,
} from '@baton/strategies';

const SAMPLES = 7;
const SAMPLE_MS = 300;
const agents = (count, prefix = 'agent') =>
  Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index}`,
    tier: ['CHEAP', 'CAPABLE', 'PREMIUM'][index % 3],
    resourceRequirements: { timeoutSeconds: 300 },
  }));

// Answers at once; confidence 0.5 so that teaching escalates (2 steps) and adaptive routes.
const immediate = async () => ({ output: 'ok', confidence: 0.5 });

const cases = [
  ['sequential', new SequentialStrategy({ executor: immediate }), agents(10), 10],
  ['parallel', new ParallelStrategy({ executor: immediate }), agents(10), 10],
  [
    'debate (+ synthesizer)',
    new DebateStrategy({ executor: immediate, synthesizer: { id: 'synthesizer' } }),
    agents(10),
    11,
  ],
  ['teaching (expert takeover)', new TeachingStrategy({ executor: immediate }), agents(2), 2],
  ['refinement', new RefinementStrategy({ executor: immediate }), agents(10), 10],
  ['adaptive', new AdaptiveStrategy({ executor: immediate }), agents(4), 2],
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Microseconds per step of `runOnce` (which runs `steps` steps), median of SAMPLES samples. */
async function measure(runOnce, steps) {
  const warmUpEnd = performance.now() + SAMPLE_MS;
  while (performance.now() < warmUpEnd) await runOnce();
  const samples = [];
  for (let sample = 0; sample < SAMPLES; sample += 1) {
    let runs = 0;
    const started = performance.now();
    let now = started;
    while (now - started < SAMPLE_MS) {
      await runOnce();
      runs += 1;
      now = performance.now();
    }
    samples.push(((now - started) * 1000) / (runs * steps));
  }
  return median(samples);
}

const context = { task: 'bench' };
const signal = new AbortController().signal;
const [single] = agents(1);
const directStep = await measure(async () => {
  await immediate(single, { ...context }, { signal });
}, 1);

const rows = [];
for (const [name, strategy, team, steps] of cases) {
  const check = await strategy.execute(team, context);
  if (check.outputs.length !== steps) {
    throw new Error(`${name}: expected ${steps} steps, ran ${check.outputs.length}`);
  }
  const perStep = await measure(() => strategy.execute(team, context), steps);
  rows.push([name, team.length, steps, perStep, perStep - directStep]);
}

console.log(
  `Orchestration overhead per agent step (executor answers immediately; median of ${SAMPLES} samples of ${SAMPLE_MS} ms after ${SAMPLE_MS} ms warm-up; Node ${process.version})\n`,
);
console.log(
  '| strategy | agents | steps per run | µs per step | µs per step over a direct executor call |',
);
console.log('|---|---:|---:|---:|---:|');
for (const [name, count, steps, perStep, overhead] of rows) {
  console.log(`| ${name} | ${count} | ${steps} | ${perStep.toFixed(2)} | ${overhead.toFixed(2)} |`);
}
console.log(`\nA direct \`await executor(...)\` costs ${directStep.toFixed(3)} µs.\n`);

// Parallel fan-out.
const FAN_OUT = 100;
const SLEEP_MS = 50;
const sleeper = (_agent, _context, { signal: agentSignal }) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ output: 'slept', confidence: 1 }), SLEEP_MS);
    agentSignal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(agentSignal.reason);
    });
  });
const fanOut = new ParallelStrategy({ executor: sleeper });
const team = agents(FAN_OUT, 'sleeper');
await fanOut.execute(team, context); // warm-up
const runs = [];
for (let run = 0; run < SAMPLES; run += 1) {
  const started = performance.now();
  const result = await fanOut.execute(team, context);
  const wallMs = performance.now() - started;
  if (!result.success) throw new Error(`fan-out failed: ${result.errors.join('; ')}`);
  const slowestMs = Math.max(...result.outputs.map((output) => output.durationSeconds)) * 1000;
  runs.push({ wallMs, slowestMs, reportedMs: result.totalDuration * 1000 });
}
const pick = (key) => runs.map((run) => run[key]);
console.log(
  `Parallel fan-out: ${FAN_OUT} agents each sleeping ${SLEEP_MS} ms (${SAMPLES} runs after a warm-up)\n`,
);
console.log('| figure | median ms | worst ms |');
console.log('|---|---:|---:|');
const line = (label, values) =>
  console.log(`| ${label} | ${median(values).toFixed(2)} | ${Math.max(...values).toFixed(2)} |`);
line('wall time of `execute`', pick('wallMs'));
line(
  `overhead over the slowest agent (wall - ${SLEEP_MS} ms)`,
  pick('wallMs').map((ms) => ms - SLEEP_MS),
);
line('slowest agent as measured by the runner', pick('slowestMs'));
line(
  'wall - slowest measured agent',
  runs.map((run) => run.wallMs - run.slowestMs),
);
line('`totalDuration` reported by the strategy', pick('reportedMs'));
