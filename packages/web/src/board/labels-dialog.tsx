import { type Label, type LabelColor, labelColors, limits } from '@switchboard/core';
import { useState } from 'react';
import { errorText } from '../api/error-text';
import { useServices } from '../services-context';
import type { BoardView } from '../state/board-store';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { LabelBadge } from './card-chips';

/** A colour picker over core's palette (radio group: arrows move, the name is read out). */
export function ColorPicker({
  value,
  onChange,
  name,
  label,
}: {
  value: LabelColor;
  onChange: (c: LabelColor) => void;
  name: string;
  label: string;
}) {
  return (
    <div role="radiogroup" aria-label={label} className="color-picker">
      {labelColors.map((c) => (
        <label key={c} className={`swatch lc-${c}${c === value ? ' is-selected' : ''}`} title={c}>
          <input
            type="radio"
            name={name}
            value={c}
            checked={c === value}
            onChange={() => onChange(c)}
            className="visually-hidden"
            aria-label={c}
          />
          {c === value && <Icon name="check" />}
        </label>
      ))}
    </div>
  );
}

/** The board's labels: create, rename, recolour (every card shows it at once), delete. */
export function LabelsDialog({
  view,
  canManage,
  onClose,
}: {
  view: BoardView;
  canManage: boolean;
  onClose: () => void;
}) {
  const { api, toasts } = useServices();
  const boardId = view.board.id;
  const [name, setName] = useState('');
  const [color, setColor] = useState<LabelColor>('blue');
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Label | null>(null);
  const fail = (e: unknown) => toasts.show({ kind: 'error', message: errorText(e) });
  const used = (id: number) =>
    Object.values(view.tasks).filter((t) => t.label_ids.includes(id)).length;

  const create = async () => {
    const n = name.trim();
    if (!n) return;
    if (n.length > limits.labelMax) {
      setError(`At most ${limits.labelMax} characters.`);
      return;
    }
    try {
      await api.createLabel(boardId, { name: n, color });
      setName('');
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Dialog open onClose={onClose} title="Labels" className="labels-dialog">
      {view.labels.length === 0 && <p className="hint">This board has no labels yet.</p>}
      <ul className="label-rows" aria-label="Board labels">
        {view.labels.map((l) => (
          <LabelRow
            key={l.id}
            label={l}
            count={used(l.id)}
            canManage={canManage}
            onSave={(patch) => void api.updateLabel(boardId, l.id, patch).catch(fail)}
            onDelete={() => setDeleting(l)}
          />
        ))}
      </ul>
      {canManage && (
        <form
          className="label-new"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <h3 className="section-title">New label</h3>
          <div className="inline-form">
            <label htmlFor="new-label-name" className="visually-hidden">
              Label name
            </label>
            <input
              id="new-label-name"
              className="input"
              placeholder="Label name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={error ? true : undefined}
            />
            <button type="submit" className="btn btn-primary btn-sm" disabled={!name.trim()}>
              Create label
            </button>
          </div>
          <ColorPicker value={color} onChange={setColor} name="new-label-color" label="Colour" />
          {name.trim() && (
            <p className="hint">
              Preview: <LabelBadge label={{ name: name.trim(), color }} />
            </p>
          )}
          {error && <p className="field-error">{error}</p>}
        </form>
      )}
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title={`Delete the label “${deleting?.name ?? ''}”?`}
        confirmLabel="Delete label"
        onConfirm={() => {
          const l = deleting;
          setDeleting(null);
          if (l) void api.deleteLabel(boardId, l.id).catch(fail);
        }}
      >
        <p>
          It comes off {deleting ? used(deleting.id) : 0} cards at once, for everyone. This cannot
          be undone.
        </p>
      </ConfirmDialog>
    </Dialog>
  );
}

function LabelRow({
  label,
  count,
  canManage,
  onSave,
  onDelete,
}: {
  label: Label;
  count: number;
  canManage: boolean;
  onSave: (patch: { name?: string; color?: LabelColor }) => void;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(label.name);
  return (
    <li className="label-row">
      <LabelBadge label={label} />
      <span className="hint">{count === 1 ? '1 card' : `${count} cards`}</span>
      {canManage && !editing && (
        <>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            aria-label={`Edit label ${label.name}`}
            onClick={() => {
              setName(label.name);
              setEditing(true);
            }}
          >
            <Icon name="edit" /> Edit
          </button>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            aria-label={`Delete label ${label.name}`}
            onClick={onDelete}
          >
            <Icon name="trash" />
          </button>
        </>
      )}
      {editing && (
        <form
          className="label-edit"
          onSubmit={(e) => {
            e.preventDefault();
            const n = name.trim();
            if (n && n !== label.name) onSave({ name: n });
            setEditing(false);
          }}
        >
          <div className="inline-form">
            <label className="visually-hidden" htmlFor={`label-name-${label.id}`}>
              Name of {label.name}
            </label>
            <input
              id={`label-name-${label.id}`}
              className="input input-sm"
              value={name}
              autoFocus
              onChange={(e) => setName(e.target.value)}
            />
            <button type="submit" className="btn btn-primary btn-sm">
              Save
            </button>
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => setEditing(false)}
            >
              Done
            </button>
          </div>
          <ColorPicker
            value={label.color}
            onChange={(color) => onSave({ color })}
            name={`label-color-${label.id}`}
            label={`Colour of ${label.name}`}
          />
        </form>
      )}
    </li>
  );
}
