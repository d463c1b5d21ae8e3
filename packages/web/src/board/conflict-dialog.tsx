import type { Member } from '@switchboard/core';
import { shortDate } from '../lib/format';
import type { Conflict } from '../state/board-store';
import { Dialog } from '../ui/dialog';

const fieldNames: Record<string, string> = {
  title: 'Title',
  description: 'Description',
  completed: 'Completed',
  assignee_ids: 'Assignees',
  labels: 'Labels',
  due_at: 'Due date',
  wip_limit: 'WIP limit',
  archived: 'Archived',
};

function show(field: string, value: unknown, members: Readonly<Record<number, Member>>): string {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'assignee_ids' && Array.isArray(value)) {
    return value.map((id: number) => members[id]?.username ?? `#${id}`).join(', ') || '—';
  }
  if (field === 'due_at' && typeof value === 'string') return shortDate(value);
  if (Array.isArray(value)) return value.join(', ') || '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  const text = String(value);
  return text.length > 280 ? `${text.slice(0, 280)}…` : text;
}

/**
 * A stale write came back 409: show what the other person saved next to what
 * this user tried, and let them keep theirs (retry on the newest version) or
 * take the newest.
 */
export function ConflictDialog({
  conflict,
  members,
  onResolve,
}: {
  conflict: Conflict;
  members: Readonly<Record<number, Member>>;
  onResolve: (choice: 'mine' | 'theirs') => void;
}) {
  const theirs = conflict.theirs as unknown as Record<string, unknown>;
  const mine = conflict.mine as Record<string, unknown>;
  const fields = Object.keys(mine).filter((f) => mine[f] !== undefined);
  const name =
    conflict.kind === 'task'
      ? `the task “${String(theirs.title ?? '')}”`
      : conflict.kind === 'column'
        ? `the column “${String(theirs.title ?? '')}”`
        : 'the board';
  return (
    <Dialog
      open
      onClose={() => onResolve('theirs')}
      title="Someone else changed this first"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={() => onResolve('theirs')}>
            Use the newest version
          </button>
          <button type="button" className="btn btn-primary" onClick={() => onResolve('mine')}>
            Keep my change
          </button>
        </>
      }
    >
      <p style={{ marginBottom: 12 }}>
        While you were editing {name}, someone else saved a change. Your edit was not applied.
      </p>
      <table className="diff">
        <colgroup>
          <col className="diff-field" />
          <col />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Newest (saved)</th>
            <th scope="col">Yours</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f}>
              <th scope="row">{fieldNames[f] ?? f}</th>
              <td className="theirs">{show(f, theirs[f], members)}</td>
              <td className="mine">{show(f, mine[f], members)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint" style={{ marginTop: 12 }}>
        “Keep my change” saves yours on top of the newest version; other fields they changed stay.
      </p>
    </Dialog>
  );
}
