import { type CustomField, type CustomFieldType, customFieldTypes } from '@switchboard/core';
import { useState } from 'react';
import { errorText } from '../api/error-text';
import { useServices } from '../services-context';
import type { BoardView } from '../state/board-store';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';

export const fieldTypeNames: Record<CustomFieldType, string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  single_select: 'Choice',
  checkbox: 'Checkbox',
};

/** Options typed one per line (kept by id when renamed in place). */
function parseOptions(text: string, previous: CustomField['options'] = []) {
  return text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name, i) => {
      const same = previous.find((o) => o.name === name) ?? previous[i];
      return same ? { id: same.id, name } : { name };
    });
}

/** The board's custom fields: define (text, number, date, choice, checkbox), rename, delete. */
export function FieldsDialog({
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
  const [type, setType] = useState<CustomFieldType>('text');
  const [options, setOptions] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<CustomField | null>(null);
  const fail = (e: unknown) => toasts.show({ kind: 'error', message: errorText(e) });

  const create = async () => {
    const n = name.trim();
    if (!n) return;
    try {
      await api.createCustomField(boardId, {
        name: n,
        type,
        ...(type === 'single_select' ? { options: parseOptions(options) } : {}),
      });
      setName('');
      setOptions('');
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Dialog open onClose={onClose} title="Custom fields" className="fields-dialog">
      {view.customFields.length === 0 && (
        <p className="hint">No custom fields yet: add one and every card can fill it in.</p>
      )}
      <ul className="label-rows" aria-label="Custom fields">
        {view.customFields.map((f) => (
          <FieldRow
            key={f.id}
            field={f}
            canManage={canManage}
            onSave={(patch) => void api.updateCustomField(boardId, f.id, patch).catch(fail)}
            onDelete={() => setDeleting(f)}
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
          <h3 className="section-title">New field</h3>
          <div className="inline-form">
            <label htmlFor="new-field-name" className="visually-hidden">
              Field name
            </label>
            <input
              id="new-field-name"
              className="input"
              placeholder="Field name"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <label htmlFor="new-field-type" className="visually-hidden">
              Field type
            </label>
            <select
              id="new-field-type"
              className="select"
              value={type}
              onChange={(e) => setType(e.target.value as CustomFieldType)}
            >
              {customFieldTypes.map((t) => (
                <option key={t} value={t}>
                  {fieldTypeNames[t]}
                </option>
              ))}
            </select>
            <button type="submit" className="btn btn-primary btn-sm" disabled={!name.trim()}>
              Add field
            </button>
          </div>
          {type === 'single_select' && (
            <>
              <label htmlFor="new-field-options" className="section-title">
                Choices, one per line
              </label>
              <textarea
                id="new-field-options"
                className="textarea"
                rows={3}
                value={options}
                onChange={(e) => setOptions(e.target.value)}
              />
            </>
          )}
          {error && <p className="field-error">{error}</p>}
        </form>
      )}
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title={`Delete the field “${deleting?.name ?? ''}”?`}
        confirmLabel="Delete field"
        onConfirm={() => {
          const f = deleting;
          setDeleting(null);
          if (f) void api.deleteCustomField(boardId, f.id).catch(fail);
        }}
      >
        <p>Its values go from every card. This cannot be undone.</p>
      </ConfirmDialog>
    </Dialog>
  );
}

function FieldRow({
  field,
  canManage,
  onSave,
  onDelete,
}: {
  field: CustomField;
  canManage: boolean;
  onSave: (patch: { name?: string; options?: ReturnType<typeof parseOptions> }) => void;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(field.name);
  const [options, setOptions] = useState('');
  return (
    <li className="label-row">
      <strong>{field.name}</strong>
      <span className="hint">
        {fieldTypeNames[field.type]}
        {field.type === 'single_select' && `: ${field.options.map((o) => o.name).join(', ')}`}
      </span>
      {canManage && !editing && (
        <>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            aria-label={`Edit field ${field.name}`}
            onClick={() => {
              setName(field.name);
              setOptions(field.options.map((o) => o.name).join('\n'));
              setEditing(true);
            }}
          >
            <Icon name="edit" /> Edit
          </button>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            aria-label={`Delete field ${field.name}`}
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
            onSave({
              ...(n && n !== field.name ? { name: n } : {}),
              ...(field.type === 'single_select'
                ? { options: parseOptions(options, field.options) }
                : {}),
            });
            setEditing(false);
          }}
        >
          <div className="inline-form">
            <label className="visually-hidden" htmlFor={`field-name-${field.id}`}>
              Name of {field.name}
            </label>
            <input
              id={`field-name-${field.id}`}
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
              Cancel
            </button>
          </div>
          {field.type === 'single_select' && (
            <>
              <label htmlFor={`field-options-${field.id}`} className="section-title">
                Choices, one per line
              </label>
              <textarea
                id={`field-options-${field.id}`}
                className="textarea"
                rows={3}
                value={options}
                onChange={(e) => setOptions(e.target.value)}
              />
            </>
          )}
        </form>
      )}
    </li>
  );
}
