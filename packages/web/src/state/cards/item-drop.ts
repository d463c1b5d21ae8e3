import { rankBetween } from '@switchboard/core';

interface Ranked {
  id: number;
  position: string;
}

/** Where a dragged item lands: its new rank (shown at once) and the neighbour the server is told. */
export interface ItemDrop {
  position: string;
  placement: { after_id: number } | { before_id: number };
}

/**
 * A drop of `activeId` onto `overId` in a list shown in rank order, as a
 * sortable list shows it: dragging down lands after the item under the
 * pointer, dragging up lands before it. Null when nothing moves.
 */
export function itemDrop(
  items: readonly Ranked[],
  activeId: number,
  overId: number,
): ItemDrop | null {
  const from = items.findIndex((i) => i.id === activeId);
  const to = items.findIndex((i) => i.id === overId);
  if (from < 0 || to < 0 || from === to) return null;
  const rest = items.filter((i) => i.id !== activeId);
  // In the list without the dragged item, the new index is `to` either way.
  const before = rest[to - 1] ?? null;
  const after = rest[to] ?? null;
  const position = rankBetween(before?.position ?? null, after?.position ?? null);
  return {
    position,
    placement: before ? { after_id: before.id } : { before_id: after!.id },
  };
}
