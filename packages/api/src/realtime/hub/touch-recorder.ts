/**
 * Remembers which boards the bus spoke of while some subscription is being set
 * up. Setting one up reads a board's head from the database and only then
 * creates the board's channel; a bus message that arrives in between would
 * otherwise find no channel and be forgotten. Each set-up opens a window; the
 * record lives while any window is open.
 */
export class TouchRecorder {
  private open = 0;
  private generation = 0;
  private readonly touched = new Map<number, { seq: number; generation: number }>();

  get active(): boolean {
    return this.open > 0;
  }

  /** Opens a window; returns its mark for touchedSince. */
  begin(): number {
    this.open += 1;
    return this.generation;
  }

  end(): void {
    this.open -= 1;
    if (this.open <= 0) {
      this.open = 0;
      this.touched.clear();
    }
  }

  touch(boardId: number, seq: number): void {
    if (this.open === 0) return;
    this.generation += 1;
    const prior = this.touched.get(boardId);
    this.touched.set(boardId, {
      seq: Math.max(seq, prior?.seq ?? 0),
      generation: this.generation,
    });
  }

  /** The highest seq heard of for a board while windows were open. */
  maxSeq(boardId: number): number | undefined {
    return this.touched.get(boardId)?.seq;
  }

  /** Boards the bus spoke of since the window with this mark opened. */
  touchedSince(mark: number): number[] {
    const out: number[] = [];
    for (const [boardId, { generation }] of this.touched) if (generation > mark) out.push(boardId);
    return out;
  }
}
