/**
 * The simulation kernel: one clock, one event queue, seeded randomness. Read `events.ts`
 * (event order and priorities) then `sim.ts` (schedule / step / run); `rng.ts` for the one
 * seeded generator and `random.ts` for the samplers every room draws with.
 */
export { EventPriority, EventHeap, SimEvent, before, type EventHandler } from './events.js';
export { Simulator } from './sim.js';
export { Ring } from './ring.js';
export { IndexWindow } from './index-window.js';
export { emptyList } from './arrays.js';
export { Rng } from './rng.js';
export { oneMinusPow, powerOfTen, powInteger, powPositive } from './powers.js';
export { exponential, gamma, shuffledIndices, standardNormal, uniformInt, uniformOpen, type Random } from './random.js';
export { InputError, closeNames } from './errors.js';
export { US_PER_MS, US_PER_S, sToUs, msToUs, usToMs, usToS } from './units.js';
