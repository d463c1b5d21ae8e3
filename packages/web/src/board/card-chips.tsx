import { dueStatus, type DueStatus, type Label, type Task } from '@switchboard/core';
import { fullDate, shortDate } from '../lib/format';
export { fieldValueText } from '../lib/field-text';
import { Icon } from '../ui/icons';

/** A board label in its palette colour (the name always shows: colour is never the only cue). */
export function LabelBadge({ label }: { label: Pick<Label, 'name' | 'color'> }) {
  return <span className={`label-chip lc lc-${label.color}`}>{label.name}</span>;
}

const dueWords: Record<DueStatus, string> = {
  overdue: 'Overdue',
  due_soon: 'Due soon',
  upcoming: 'Due',
  done: 'Done',
};

/** When a due instant is, in words for the chip: the date, and the time when one was set. */
export function dueText(task: Pick<Task, 'due' | 'due_at'>): string {
  if (!task.due_at) return '';
  const date = shortDate(task.due_at);
  if (!task.due?.time) return date;
  const time = new Date(task.due_at).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
  });
  return `${date} ${time}`;
}

/** The overdue / due-soon chip of core's dueStatus. */
export function DueChip({ task, now }: { task: Task; now?: number }) {
  const status = dueStatus(task, now);
  if (!status || !task.due_at) return null;
  return (
    <span
      className={`meta-item due due-chip due-${status}`}
      title={`${dueWords[status]}: ${fullDate(task.due_at)}`}
    >
      <Icon name="calendar" />
      <span className="visually-hidden">{dueWords[status]}:</span>
      {status === 'overdue' || status === 'due_soon' ? `${dueWords[status]} · ` : ''}
      {dueText(task)}
    </span>
  );
}
