import {
  type CustomField,
  type CustomFieldValue,
  type Label,
  limits,
  type Task,
} from '@switchboard/core';
import { useEffect, useState } from 'react';
import { errorText } from '../api/error-text';
import { useServices } from '../services-context';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';
import { DueChip, LabelBadge } from './card-chips';

/** Board labels on this card: toggle any, or create one by name. */
export function LabelsField({ task, labels }: { task: Task; labels: readonly Label[] }) {
  const { store, canWrite, boardId } = useBoard();
  const { api, toasts } = useServices();
  const [draft, setDraft] = useState('');
  const toggle = (id: number) => {
    const on = task.label_ids.includes(id);
    store.updateTask(task.id, {
      label_ids: on ? task.label_ids.filter((l) => l !== id) : [...task.label_ids, id],
    });
  };
  const create = async () => {
    const name = draft.trim();
    if (!name) return;
    const existing = labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
    setDraft('');
    try {
      const label = existing ?? (await api.createLabel(boardId, { name }));
      if (!task.label_ids.includes(label.id)) {
        store.updateTask(task.id, { label_ids: [...task.label_ids, label.id] });
      }
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
    }
  };
  return (
    <div className="side-group">
      <h3 className="section-title" id={`labels-${task.id}`}>
        <Icon name="tag" /> Labels
      </h3>
      <div role="group" aria-labelledby={`labels-${task.id}`} className="label-toggles">
        {labels.map((l) => {
          const on = task.label_ids.includes(l.id);
          return (
            <button
              key={l.id}
              type="button"
              className={`label-toggle${on ? ' is-on' : ''}`}
              aria-pressed={on}
              disabled={!canWrite || (!on && task.label_ids.length >= limits.labelsPerTask)}
              onClick={() => toggle(l.id)}
            >
              <LabelBadge label={l} />
              {on && <Icon name="check" />}
            </button>
          );
        })}
      </div>
      {canWrite && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label htmlFor={`task-label-input-${task.id}`} className="visually-hidden">
            New label
          </label>
          <input
            id={`task-label-input-${task.id}`}
            className="input input-sm"
            placeholder="New label…"
            value={draft}
            maxLength={limits.labelMax}
            onChange={(e) => setDraft(e.target.value)}
          />
        </form>
      )}
    </div>
  );
}

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Start date, due date with an optional time (in the user's zone), and the due chip. */
export function DatesField({ task }: { task: Task }) {
  const { store, canWrite } = useBoard();
  const [date, setDate] = useState(task.due?.date ?? '');
  const [time, setTime] = useState(task.due?.time ?? '');
  useEffect(() => {
    setDate(task.due?.date ?? '');
    setTime(task.due?.time ?? '');
  }, [task.due?.date, task.due?.time]);
  const saveDue = (d: string, t: string) => {
    if (!d) {
      if (task.due) store.updateTask(task.id, { due: null });
      return;
    }
    store.updateTask(task.id, {
      due: { date: d, ...(t ? { time: t } : {}), time_zone: task.due?.time_zone ?? zone() },
    });
  };
  return (
    <div className="side-group">
      <h3 className="section-title">
        <Icon name="calendar" /> Dates
      </h3>
      <div className="date-grid">
        <label htmlFor={`task-start-${task.id}`}>Start</label>
        <input
          id={`task-start-${task.id}`}
          type="date"
          className="input input-sm"
          disabled={!canWrite}
          value={task.start_date ?? ''}
          onChange={(e) => store.updateTask(task.id, { start_date: e.target.value || null })}
        />
        <label htmlFor={`task-due-${task.id}`}>Due</label>
        <input
          id={`task-due-${task.id}`}
          type="date"
          className="input input-sm"
          disabled={!canWrite}
          value={date}
          onChange={(e) => {
            setDate(e.target.value);
            saveDue(e.target.value, time);
          }}
        />
        <label htmlFor={`task-due-time-${task.id}`}>Time</label>
        <input
          id={`task-due-time-${task.id}`}
          type="time"
          className="input input-sm"
          disabled={!canWrite || !date}
          value={time}
          onChange={(e) => setTime(e.target.value)}
          onBlur={() => {
            if (date && time !== (task.due?.time ?? '')) saveDue(date, time);
          }}
        />
      </div>
      <div className="date-status">
        <DueChip task={task} />
        {task.due?.time_zone && task.due.time && (
          <span className="hint">({task.due.time_zone})</span>
        )}
        {task.due && canWrite && (
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => store.updateTask(task.id, { due: null })}
          >
            Clear due date
          </button>
        )}
      </div>
    </div>
  );
}

/** The board's custom fields, each with an input of its type. */
export function CustomFieldsField({
  task,
  fields,
}: {
  task: Task;
  fields: readonly CustomField[];
}) {
  if (fields.length === 0) return null;
  return (
    <div className="side-group">
      <h3 className="section-title">
        <Icon name="sliders" /> Fields
      </h3>
      <div className="field-grid">
        {fields.map((f) => (
          <FieldInput key={f.id} task={task} field={f} value={task.custom_fields[String(f.id)]} />
        ))}
      </div>
    </div>
  );
}

function FieldInput({
  task,
  field,
  value,
}: {
  task: Task;
  field: CustomField;
  value: CustomFieldValue | undefined;
}) {
  const { store, canWrite } = useBoard();
  const id = `field-${field.id}-${task.id}`;
  const [draft, setDraft] = useState(value === undefined ? '' : String(value));
  useEffect(() => setDraft(value === undefined ? '' : String(value)), [value]);
  const set = (v: CustomFieldValue | null) =>
    store.updateTask(task.id, { custom_fields: { [String(field.id)]: v } });
  const commitText = () => {
    const current = value === undefined ? '' : String(value);
    if (draft === current) return;
    if (field.type === 'number') {
      if (draft.trim() === '') set(null);
      else if (Number.isFinite(Number(draft))) set(Number(draft));
      else setDraft(current);
    } else set(draft.trim() === '' ? null : draft);
  };
  const label = (
    <label htmlFor={id} className="field-name">
      {field.name}
    </label>
  );
  switch (field.type) {
    case 'checkbox':
      return (
        <>
          {label}
          <input
            id={id}
            type="checkbox"
            className="checkbox"
            disabled={!canWrite}
            checked={value === true}
            onChange={(e) => set(e.target.checked)}
          />
        </>
      );
    case 'single_select':
      return (
        <>
          {label}
          <select
            id={id}
            className="select select-sm"
            disabled={!canWrite}
            value={value === undefined ? '' : String(value)}
            onChange={(e) => set(e.target.value === '' ? null : e.target.value)}
          >
            <option value="">—</option>
            {field.options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </>
      );
    case 'date':
      return (
        <>
          {label}
          <input
            id={id}
            type="date"
            className="input input-sm"
            disabled={!canWrite}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => set(e.target.value || null)}
          />
        </>
      );
    default:
      return (
        <>
          {label}
          <input
            id={id}
            type={field.type === 'number' ? 'number' : 'text'}
            className="input input-sm"
            disabled={!canWrite}
            value={draft}
            maxLength={limits.customFieldTextMax}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commitText}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commitText();
            }}
          />
        </>
      );
  }
}
