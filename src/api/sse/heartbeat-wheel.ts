/** Something that can be sent a heartbeat. */
export interface Beating {
  heartbeat(): void;
}

const SLOTS = 8;

/**
 * One timer for the heartbeats of every SSE stream of a process, instead of one interval per
 * stream (10k timers to arm, fire and clear). The period is cut into SLOTS ticks; a stream joins
 * the slot that fires last in the current turn, so its first heartbeat comes between 7/8 and 8/8
 * of a period after it opened, and then every period. A tick touches only its own slot.
 */
export class HeartbeatWheel {
  private readonly slots: Set<Beating>[] = Array.from({ length: SLOTS }, () => new Set());
  private readonly slotOf = new Map<Beating, number>();
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly periodMs: number) {}

  add(client: Beating): void {
    if (this.slotOf.has(client)) return;
    const slot = (this.cursor + SLOTS - 1) % SLOTS;
    this.slots[slot]!.add(client);
    this.slotOf.set(client, slot);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), Math.max(1, Math.round(this.periodMs / SLOTS)));
      // the streams' sockets keep the process alive, not their heartbeats
      this.timer.unref();
    }
  }

  remove(client: Beating): void {
    const slot = this.slotOf.get(client);
    if (slot === undefined) return;
    this.slotOf.delete(client);
    this.slots[slot]!.delete(client);
    if (this.slotOf.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.slotOf.size;
  }

  private tick(): void {
    const slot = this.slots[this.cursor]!;
    this.cursor = (this.cursor + 1) % SLOTS;
    for (const c of slot) c.heartbeat();
  }
}
