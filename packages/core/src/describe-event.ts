import type { FieldChange } from './schemas/activity.js';
import type { CustomField, CustomFieldValues } from './schemas/custom-field.js';
import type { BoardEvent, FieldChanges } from './schemas/event.js';
import type { Task } from './schemas/task.js';

/**
 * An event in human words: "alice moved *Fix login* from To do to Done". The
 * API's activity and history pages and the web app share this. The text is
 * Markdown: card titles in *emphasis*, everything users typed escaped. Old
 * events (before changes were recorded) and names no longer known still read
 * sensibly.
 */
export interface EventLookups {
  username(userId: number): string | undefined;
  /** Titles of cards that an event names only by id (comments, checklists). */
  taskTitle?(taskId: number): string | undefined;
  /** Field definitions, to name a field and its options. */
  customField?(fieldId: number): CustomField | undefined;
}

export interface EventDescription {
  text: string;
  changes: FieldChange[];
}

/**
 * Escapes Markdown so user text shows as typed within a line: emphasis, code,
 * links, HTML, headings, tables, strike-through. (Descriptions stay one line,
 * so list and numbering markers cannot start a block.)
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#|~]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}

const em = (title: string) => `*${escapeMarkdown(title)}*`;
const plain = escapeMarkdown;

type Changes = FieldChanges | undefined;

function changeList(changes: Changes): FieldChange[] {
  return Object.entries(changes ?? {}).map(([field, c]) => ({ field, from: c.from, to: c.to }));
}

const fieldWords: Record<string, string> = {
  title: 'title',
  description: 'description',
  completed: 'done',
  assignee_ids: 'assignees',
  labels: 'labels',
  label_ids: 'labels',
  due: 'due date',
  due_at: 'due date',
  start_date: 'start date',
  custom_fields: 'fields',
  cover: 'cover',
  column_id: 'column',
  position: 'position',
  wip_limit: 'WIP limit',
  archived: 'archived',
  name: 'name',
  color: 'colour',
  options: 'options',
  body: 'text',
  done: 'done',
  checklist_id: 'checklist',
};

const derivedFrom: Record<string, string> = {
  labels: 'label_ids',
  due_at: 'due',
  status: 'column_id',
};

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function dueText(value: unknown): string {
  if (value === null || typeof value !== 'object') return 'none';
  const due = value as { date?: string; time?: string | null; time_zone?: string | null };
  return [due.date, due.time ?? '', due.time_zone ? `(${due.time_zone})` : '']
    .filter(Boolean)
    .join(' ');
}

function fieldValueText(field: CustomField | undefined, value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (field?.type === 'single_select') {
    return plain(field.options.find((o) => o.id === value)?.name ?? String(value));
  }
  if (field?.type === 'checkbox') return value === true ? 'checked' : 'unchecked';
  return plain(String(value));
}

function describeTaskUpdate(
  who: string,
  task: Task,
  changed: readonly string[],
  changes: Changes,
  lookups: EventLookups,
): string {
  const card = em(task.title);
  const name = (id: number) => plain(lookups.username(id) ?? `user ${id}`);
  // Derived fields travel with the field they follow; one kind of change reads precisely.
  const kinds = [...new Set(changed.map((f) => derivedFrom[f] ?? f))];
  const only = kinds.length === 1 ? kinds[0] : undefined;
  const c = only !== undefined ? changes?.[only] : undefined;
  switch (only) {
    case 'completed':
      return task.completed ? `${who} marked ${card} done` : `${who} reopened ${card}`;
    case 'title':
      return c
        ? `${who} renamed ${em(String(c.from))} to ${card}`
        : `${who} renamed a card to ${card}`;
    case 'description':
      return `${who} edited the description of ${card}`;
    case 'assignee_ids': {
      const before = (c?.from as number[] | undefined) ?? [];
      const added = task.assignee_ids.filter((id) => !before.includes(id));
      const removed = before.filter((id) => !task.assignee_ids.includes(id));
      const parts = [
        added.length ? `assigned ${listWords(added.map(name))} to ${card}` : '',
        removed.length ? `unassigned ${listWords(removed.map(name))} from ${card}` : '',
      ].filter(Boolean);
      return parts.length ? `${who} ${parts.join(' and ')}` : `${who} changed who is on ${card}`;
    }
    case 'label_ids': {
      const l = changes?.labels;
      if (!l) return `${who} changed the labels of ${card}`;
      const before = (l.from as string[]) ?? [];
      const after = (l.to as string[]) ?? [];
      const added = after.filter((x) => !before.includes(x)).map(plain);
      const removed = before.filter((x) => !after.includes(x)).map(plain);
      const parts = [
        added.length ? `added ${listWords(added)} to ${card}` : '',
        removed.length ? `removed ${listWords(removed)} from ${card}` : '',
      ].filter(Boolean);
      return parts.length
        ? `${who} ${parts.join(' and ')}`
        : `${who} changed the labels of ${card}`;
    }
    case 'due':
      return task.due
        ? `${who} set ${card} due ${plain(dueText(task.due))}`
        : `${who} removed the due date of ${card}`;
    case 'start_date':
      return task.start_date
        ? `${who} set ${card} to start ${plain(task.start_date)}`
        : `${who} removed the start date of ${card}`;
    case 'custom_fields': {
      const before = (c?.from as CustomFieldValues | undefined) ?? {};
      const after = task.custom_fields;
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (k) => before[k] !== after[k],
      );
      if (keys.length !== 1) return `${who} changed fields of ${card}`;
      const field = lookups.customField?.(Number(keys[0]));
      const fieldName = plain(field?.name ?? 'a field');
      const value = after[keys[0]!];
      return value === undefined
        ? `${who} cleared ${fieldName} on ${card}`
        : `${who} set ${fieldName} on ${card} to ${fieldValueText(field, value)}`;
    }
  }
  const words = [...new Set(kinds.map((f) => fieldWords[f] ?? f))].filter((w) => w !== 'position');
  return `${who} changed ${listWords(words)} of ${card}`;
}

export function describeEvent(event: BoardEvent, lookups: EventLookups): EventDescription {
  const who = plain(lookups.username(event.actor) ?? 'someone');
  const name = (id: number) => plain(lookups.username(id) ?? `user ${id}`);
  const cardById = (id: number) => {
    const title = lookups.taskTitle?.(id);
    return title === undefined ? 'a card' : em(title);
  };
  const text = (t: string, changes?: Changes): EventDescription => ({
    text: t,
    changes: changeList(changes),
  });
  switch (event.type) {
    case 'task.created': {
      const e = event.payload;
      const where = e.task.status ? ` in ${plain(e.task.status)}` : '';
      if (e.from_checklist_item) {
        return text(
          `${who} turned a checklist item of ${cardById(e.from_checklist_item.task_id)} into ${em(e.task.title)}${where}`,
        );
      }
      if (e.from_board) {
        const from = e.from_board.id === event.board_id ? '' : ` from ${plain(e.from_board.title)}`;
        return e.from_board.copied
          ? text(`${who} copied ${em(e.task.title)}${from}${where}`)
          : text(`${who} moved ${em(e.task.title)} here${from}${where}`);
      }
      return text(`${who} created ${em(e.task.title)}${where}`);
    }
    case 'task.updated': {
      const e = event.payload;
      return text(describeTaskUpdate(who, e.task, e.changed, e.changes, lookups), e.changes);
    }
    case 'task.moved': {
      const e = event.payload;
      const to = e.task.status;
      const moved = e.changed.filter((f) => !['position', 'column_id', 'status'].includes(f));
      let sentence: string;
      if (e.task.column_id === e.from_column_id) {
        sentence = `${who} reordered ${em(e.task.title)}${to ? ` in ${plain(to)}` : ''}`;
      } else if (e.from_status !== undefined && to) {
        sentence = `${who} moved ${em(e.task.title)} from ${plain(e.from_status)} to ${plain(to)}`;
      } else {
        sentence = `${who} moved ${em(e.task.title)}${to ? ` to ${plain(to)}` : ''}`;
      }
      if (moved.length > 0) {
        const words = [...new Set(moved.map((f) => fieldWords[derivedFrom[f] ?? f] ?? f))];
        sentence += ` and changed ${listWords(words)}`;
      }
      return text(sentence, e.changes);
    }
    case 'task.deleted':
      return text(`${who} moved ${em(event.payload.task.title)} to the trash`);
    case 'task.archived':
      return text(`${who} archived ${em(event.payload.task.title)}`);
    case 'task.unarchived':
      return text(`${who} restored ${em(event.payload.task.title)} from the archive`);
    case 'task.restored':
      return text(`${who} restored ${em(event.payload.task.title)} from the trash`);
    case 'task.moved_out':
      return text(
        `${who} moved ${em(event.payload.task.title)} to the board ${plain(event.payload.to_board.title)}`,
      );
    case 'task.purged':
      return event.payload.expired
        ? text(`${em(event.payload.title)} was deleted for good after its time in the trash`)
        : text(`${who} deleted ${em(event.payload.title)} for good`);
    case 'column.created':
      return text(`${who} added the column ${plain(event.payload.column.title)}`);
    case 'column.updated': {
      const e = event.payload;
      const title = plain(e.column.title);
      const only = e.changed.length === 1 ? e.changed[0] : undefined;
      if (only === 'title' && e.changes?.title) {
        return text(
          `${who} renamed the column ${plain(String(e.changes.title.from))} to ${title}`,
          e.changes,
        );
      }
      if (only === 'wip_limit') {
        return text(
          e.column.wip_limit === null
            ? `${who} removed the WIP limit of ${title}`
            : `${who} set the WIP limit of ${title} to ${e.column.wip_limit}`,
          e.changes,
        );
      }
      if (only === 'position') return text(`${who} moved the column ${title}`, e.changes);
      const words = e.changed.map((f) => fieldWords[f] ?? f);
      return text(`${who} changed ${listWords(words)} of the column ${title}`, e.changes);
    }
    case 'column.archived':
      return text(`${who} archived the column ${plain(event.payload.column.title)}`);
    case 'column.unarchived':
      return text(`${who} restored the column ${plain(event.payload.column.title)}`);
    case 'column.deleted': {
      const moved = event.payload.moved_tasks.length;
      return text(
        `${who} deleted the column ${plain(event.payload.column.title)}` +
          (moved ? ` and moved its ${moved === 1 ? 'card' : `${moved} cards`}` : ''),
      );
    }
    case 'board.created':
      return text(`${who} created the board ${plain(event.payload.board.title)}`);
    case 'board.updated': {
      const b = event.payload.board;
      if (event.payload.changed.includes('archived')) {
        return text(b.archived ? `${who} archived the board` : `${who} restored the board`);
      }
      if (
        !event.payload.changed.includes('title') &&
        event.payload.changed.includes('background')
      ) {
        return text(
          b.background
            ? `${who} changed the board's background`
            : `${who} removed the board's background`,
        );
      }
      return text(`${who} renamed the board to ${plain(b.title)}`);
    }
    case 'board.deleted':
      return text(`${who} deleted the board`);
    case 'member.added':
      return text(
        `${who} added ${plain(event.payload.member.username)} as ${event.payload.member.role}`,
      );
    case 'member.updated':
      return text(
        `${who} made ${plain(event.payload.member.username)} ${event.payload.member.role === 'owner' ? 'an' : 'a'} ${event.payload.member.role}`,
      );
    case 'member.removed':
      return event.payload.member.user_id === event.actor
        ? text(`${who} left the board`)
        : text(`${who} removed ${plain(event.payload.member.username)}`);
    case 'comment.created':
      return text(`${who} commented on ${cardById(event.payload.task_id)}`);
    case 'attachment.created':
      return text(
        `${who} attached ${plain(event.payload.attachment.name)} to ${cardById(event.payload.task_id)}`,
      );
    case 'attachment.deleted':
      return text(
        `${who} removed the attachment ${plain(event.payload.name)} from ${cardById(event.payload.task_id)}`,
      );
    case 'comment.updated':
      return text(
        `${who} edited a comment on ${cardById(event.payload.task_id)}`,
        event.payload.changes,
      );
    case 'comment.deleted':
      return text(
        event.payload.author_id === event.actor
          ? `${who} deleted a comment on ${cardById(event.payload.task_id)}`
          : `${who} deleted a comment by ${name(event.payload.author_id)} on ${cardById(event.payload.task_id)}`,
      );
    case 'checklist.created':
      return text(
        `${who} added the checklist ${plain(event.payload.checklist.title)} to ${cardById(event.payload.task_id)}`,
      );
    case 'checklist.updated': {
      const e = event.payload;
      return e.changes.title
        ? text(
            `${who} renamed the checklist ${plain(String(e.changes.title.from))} to ${plain(e.checklist.title)}`,
            e.changes,
          )
        : text(`${who} moved the checklist ${plain(e.checklist.title)}`, e.changes);
    }
    case 'checklist.deleted':
      return text(
        `${who} removed the checklist ${plain(event.payload.checklist.title)} from ${cardById(event.payload.task_id)}`,
      );
    case 'checklist_item.created':
      return text(
        `${who} added ${plain(event.payload.item.title)} to a checklist of ${cardById(event.payload.task_id)}`,
      );
    case 'checklist_item.updated': {
      const e = event.payload;
      const item = plain(e.item.title);
      const card = cardById(e.task_id);
      if (e.changed.length === 1 && e.changed[0] === 'done') {
        return text(
          e.item.done ? `${who} ticked ${item} on ${card}` : `${who} unticked ${item} on ${card}`,
          e.changes,
        );
      }
      if (e.changes.title) {
        return text(
          `${who} renamed the item ${plain(String(e.changes.title.from))} to ${item} on ${card}`,
          e.changes,
        );
      }
      return text(`${who} moved the item ${item} on ${card}`, e.changes);
    }
    case 'checklist_item.deleted':
      return text(
        `${who} removed ${plain(event.payload.item.title)} from a checklist of ${cardById(event.payload.task_id)}`,
      );
    case 'label.created':
      return text(
        `${who} created the label ${plain(event.payload.label.name)} (${event.payload.label.color})`,
      );
    case 'label.updated': {
      const e = event.payload;
      const parts: string[] = [];
      if (e.changes.name)
        parts.push(
          `renamed the label ${plain(String(e.changes.name.from))} to ${plain(e.label.name)}`,
        );
      if (e.changes.color) {
        parts.push(
          `${parts.length ? 'made it' : `made the label ${plain(e.label.name)}`} ${e.label.color}`,
        );
      }
      return text(
        `${who} ${parts.length ? parts.join(' and ') : `changed the label ${plain(e.label.name)}`}`,
        e.changes,
      );
    }
    case 'label.deleted':
      return text(`${who} deleted the label ${plain(event.payload.label.name)}`);
    case 'custom_field.created':
      return text(
        `${who} added the field ${plain(event.payload.field.name)} (${event.payload.field.type.replace('_', ' ')})`,
      );
    case 'custom_field.updated': {
      const e = event.payload;
      return e.changes.name
        ? text(
            `${who} renamed the field ${plain(String(e.changes.name.from))} to ${plain(e.field.name)}`,
            e.changes,
          )
        : text(`${who} changed the options of ${plain(e.field.name)}`, e.changes);
    }
    case 'custom_field.deleted':
      return text(`${who} deleted the field ${plain(event.payload.field.name)}`);
  }
  // Exhaustive above; an event type from a newer server reads generically.
  return text(`${who} changed the board`);
}
