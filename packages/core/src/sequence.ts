/**
 * Gap-free ordering on the client side: each board's events carry seq 1, 2, 3…
 * A client applies seq last+1, drops what it already has and asks for the rest
 * when it sees a gap.
 */
export type SequenceVerdict = 'apply' | 'duplicate' | 'gap';

export function judgeSequence(lastApplied: number, incoming: number): SequenceVerdict {
  if (incoming <= lastApplied) return 'duplicate';
  if (incoming === lastApplied + 1) return 'apply';
  return 'gap';
}
