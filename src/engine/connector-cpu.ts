/**
 * The engine-core CPU time of vLLM 0.15's OffloadingConnector bookkeeping, the scheduler side of
 * the CPU tier (cpu-tier.ts). It runs in `schedule()` (the lookups at admission, and
 * `build_connector_meta` at its end), so it is CPU time of the formation, which under
 * asynchronous scheduling overlaps the step on the GPU (step-cost.ts). Three Python loops of
 * vllm/v1/kv_offload/lru_manager.py, counted by the tier as the simulation makes the same calls:
 * - prepare_store's search for blocks to evict walks its OrderedDict from the least recently used
 *   end, checking `ref_cnt == 0` on each ctypes BlockStatus, until it has found enough; with too
 *   few evictable it walks every entry and returns None. A request whose store failed is offered
 *   again at every schedule (`_get_reqs_to_store` leaves its index), so once the tier is full of
 *   the running requests' unready blocks (saturated long-output runs) every running request walks
 *   the whole tier at every step: 128 requests × 4,096 blocks is ~500,000 entries per step;
 * - prepare_store's filter of the hashes already stored (a dict lookup per hash offered);
 * - touch, after a store and at each lookup: every full block of the request, moved to the MRU end;
 * - the warning a refused store logs: `_get_reqs_to_store` (offloading_connector.py) calls
 *   `logger.warning("Request %s: cannot store %s blocks", ...)` each time prepare_store returns
 *   None, so under saturation once per running request per step, each a formatted record written
 *   and flushed to the engine core's stdout (the server's log).
 * Per-operation costs: scripts/connector-ops.py, the same loops in CPython 3.11.7 on the 2-vCPU
 * AMD EPYC this project is developed on (2026-12-06; medians of three runs over tiers of 1,638 to
 * 8,192 blocks), and the warning through vLLM 0.15.1's own logger and `decorate_logs` with stdout
 * sent to a file (2026-12-06: 11.4 to 11.9 µs over five runs at load 0.5, 11.1 to 14.6 µs in ten
 * earlier runs beside other work; 12 µs). The hosts of the real runs are not known; nothing is
 * fitted.
 */

/** ns per OrderedDict entry prepare_store's eviction search walks. */
export const SCAN_NS = 59;
/** ns per hash prepare_store's filter looks up. */
export const FILTER_NS = 22;
/** ns per block hash touch walks (a lookup and a move to the MRU end). */
export const TOUCH_NS = 76;

/** ns per refused store: the warning vLLM logs for it. */
export const REFUSAL_LOG_NS = 12_000;

/** µs of engine-core CPU for the given operation counts. */
export function connectorCpuUs(scanned: number, filtered: number, touched: number, refused: number): number {
  return (scanned * SCAN_NS + filtered * FILTER_NS + touched * TOUCH_NS + refused * REFUSAL_LOG_NS) / 1000;
}
