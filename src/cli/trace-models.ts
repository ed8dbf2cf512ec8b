/**
 * The models a replayed trace names, checked against the fleet as the stream is read: the first
 * request decides the model when --model is not given; each distinct name is checked once
 * (served-models.ts) and counted for the metrics JSON's `config.trace.models`.
 */
import { checkModelClaim, type ServedModels } from '../cluster/served-models.js';
import type { ArrivalRequest } from '../workload/request.js';

/** The first request of a stream and the whole stream again (the first one included). */
export async function peekFirst(stream: AsyncIterable<ArrivalRequest>): Promise<{ first: ArrivalRequest | undefined; stream: AsyncIterable<ArrivalRequest> }> {
  const it = stream[Symbol.asyncIterator]();
  const head = await it.next();
  let pending: IteratorResult<ArrivalRequest> | null = head;
  const replay: AsyncIterableIterator<ArrivalRequest> = {
    next: () => {
      if (pending !== null) {
        const p = pending;
        pending = null;
        return Promise.resolve(p);
      }
      return it.next();
    },
    return: async () => {
      pending = null;
      await it.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => replay,
  };
  return { first: head.done === true ? undefined : head.value, stream: replay };
}

/** Counts requests per named model; `check` runs once per distinct name (it may throw). */
export class TraceModels {
  readonly counts = new Map<string, number>();
  readonly notes: string[] = [];

  constructor(private readonly fleet: ServedModels, private readonly source: string) {}

  /** Wraps `stream` so each request's model is checked before the simulation sees it. */
  check(stream: AsyncIterable<ArrivalRequest>): AsyncIterable<ArrivalRequest> {
    const it = stream[Symbol.asyncIterator]();
    const wrapped: AsyncIterableIterator<ArrivalRequest> = {
      next: async () => {
        const n = await it.next();
        if (n.done !== true && n.value.model !== undefined) this.note(n.value);
        return n;
      },
      return: async () => {
        await it.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => wrapped,
    };
    return wrapped;
  }

  private note(r: ArrivalRequest): void {
    const name = r.model!;
    const n = this.counts.get(name);
    if (n !== undefined) {
      this.counts.set(name, n + 1);
      return;
    }
    const note = checkModelClaim({ name, where: `${this.source} request ${r.id}`, source: 'trace' }, this.fleet);
    if (note !== null) this.notes.push(note);
    this.counts.set(name, 1);
  }
}
