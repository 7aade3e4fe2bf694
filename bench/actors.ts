/**
 * Messages per second through paperd's typed `tell` and supervision layer vs raw `nact.dispatch`,
 * measured in the same run, alternating rounds; prints both rates and their ratio (goal ≥ 0.7).
 * Run: npm run bench:actors [-- --messages 200000 --rounds 5]
 */
import { dispatch, spawn, start, stop } from 'nact';
import { ActorSystem, tell } from '../src/supervisors/index.js';
import { numberOption } from './support/bench-args.js';

const messages = numberOption('messages', 200_000);
const rounds = numberOption('rounds', 5);

type Count = { type: 'count' };

async function rawNact(): Promise<number> {
  const system = start();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const actor = spawn(system, (state: number, _msg: Count) => {
    const next = state + 1;
    if (next === messages) done();
    return next;
  }, 'counter', { initialState: 0 } as never);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < messages; i++) dispatch(actor, { type: 'count' });
  await finished;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  stop(system);
  return messages / seconds;
}

async function supervised(): Promise<number> {
  const system = new ActorSystem();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const counter = system.worker<Count, number>('counter', {
    init: () => 0,
    receive(state) {
      const next = state + 1;
      if (next === messages) done();
      return next;
    },
  });
  await system.start(system.supervisor('root', [counter]), () => {});
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < messages; i++) tell(counter.ref, { type: 'count' });
  await finished;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await system.shutdown();
  return messages / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const raw: number[] = [];
const ours: number[] = [];
await rawNact();
await supervised(); // warm-up: JIT and allocation, not measured
for (let r = 0; r < rounds; r++) {
  raw.push(await rawNact());
  ours.push(await supervised());
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`messages per round: ${messages}, rounds: ${rounds}`);
console.log(`raw nact.dispatch:          ${fmt(median(raw))} msg/s (median)`);
console.log(`typed tell + supervision:   ${fmt(median(ours))} msg/s (median)`);
console.log(`ratio (ours / raw):         ${(median(ours) / median(raw)).toFixed(3)}  (goal ≥ 0.7)`);
