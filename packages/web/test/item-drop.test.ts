import { initialRanks } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { itemDrop } from '../src/state/cards/item-drop';

const ranks = initialRanks(4);
const items = [1, 2, 3, 4].map((id, i) => ({ id, position: ranks[i]! }));
const orderAfter = (activeId: number, overId: number) => {
  const drop = itemDrop(items, activeId, overId)!;
  return items
    .map((i) => (i.id === activeId ? { ...i, position: drop.position } : i))
    .sort((a, b) => (a.position < b.position ? -1 : 1))
    .map((i) => i.id);
};

describe('checklist item drop', () => {
  it('dragging down lands after the item under the pointer', () => {
    expect(itemDrop(items, 1, 3)?.placement).toEqual({ after_id: 3 });
    expect(orderAfter(1, 3)).toEqual([2, 3, 1, 4]);
    expect(orderAfter(1, 4)).toEqual([2, 3, 4, 1]);
  });

  it('dragging up lands before it, at the top with no item before', () => {
    expect(itemDrop(items, 4, 2)?.placement).toEqual({ after_id: 1 });
    expect(orderAfter(4, 2)).toEqual([1, 4, 2, 3]);
    expect(itemDrop(items, 3, 1)?.placement).toEqual({ before_id: 1 });
    expect(orderAfter(3, 1)).toEqual([3, 1, 2, 4]);
  });

  it('a drop on itself or on something else is no move', () => {
    expect(itemDrop(items, 2, 2)).toBeNull();
    expect(itemDrop(items, 2, 99)).toBeNull();
  });
});
