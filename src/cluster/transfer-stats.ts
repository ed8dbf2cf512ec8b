/**
 * KV-transfer figures of a P/D run, from the request records: how many transfers, how many
 * bytes, how long a prefilled request waited for its decode instance to allocate its blocks and
 * start the pull, how long the
 * transfer took, and how much of that was lost to sharing the prefill instance's link
 * (processor sharing, kv-transfer.ts: the time beyond bytes / bandwidth, in whole µs as the
 * link's clock runs, + base latency).
 */
import { LatencySamples } from './duration-histogram.js';
import type { RequestRecord } from './record.js';
import type { DistributionSummary } from './summary.js';
import { MS_PER_US, US_PER_S } from '../kernel/units.js';

export interface TransferBlock {
  /** Transfers that landed. */
  count: number;
  bytes: number;
  /**
   * Prefill answered → the decode step carrying its blocks' allocation began the pull: the request's
   * turn in the decode scheduler's waiting loop (a seat under max_num_seqs, blocks free, the queue
   * ahead of it) and that step's start (vLLM NixlConnector start_load_kv). The name is kept from
   * when only free blocks were waited for.
   */
  wait_for_decode_blocks_ms: DistributionSummary;
  /** Transfer began → landed (base latency included). */
  transfer_ms: DistributionSummary;
  /** The part of transfer_ms lost to other transfers on the same link (waiting for the link). */
  link_contention_ms: DistributionSummary;
}

export class TransferStats {
  private count = 0;
  private bytes = 0;
  private readonly wait = new LatencySamples();
  private readonly transfer = new LatencySamples();
  private readonly contention = new LatencySamples();

  constructor(private readonly link: { readonly bytesPerS: number; readonly latencyUs: number }) {}

  add(r: RequestRecord): void {
    const d = r.disagg;
    if (d === undefined || d.transferEndUs < 0) return;
    this.count++;
    this.bytes += d.transferBytes;
    if (d.prefillDoneUs >= 0) this.wait.push(d.transferStartUs - d.prefillDoneUs);
    const took = d.transferEndUs - d.transferStartUs;
    this.transfer.push(took);
    // Alone on the link the transfer drains in whole µs (kv-transfer.ts `plan`: at least 1 µs, none for 0 bytes).
    const drainUs = d.transferBytes > 0 ? Math.max(1, Math.ceil((d.transferBytes / this.link.bytesPerS) * US_PER_S - 1e-9)) : 0;
    const alone = drainUs + this.link.latencyUs;
    this.contention.push(Math.max(0, took - alone));
  }

  block(): TransferBlock {
    return {
      count: this.count,
      bytes: this.bytes,
      wait_for_decode_blocks_ms: this.wait.summary(MS_PER_US),
      transfer_ms: this.transfer.summary(MS_PER_US),
      link_contention_ms: this.contention.summary(MS_PER_US),
    };
  }
}
