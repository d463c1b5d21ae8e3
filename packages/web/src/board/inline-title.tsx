import { useEffect, useRef, useState } from 'react';

/** A title that turns into an input on click (or when `editing` is set); Enter saves, Esc cancels. */
export function InlineTitle({
  id,
  value,
  onSave,
  canEdit,
  className,
  maxLength,
  label,
  editing,
  onEditingChange,
  as: Tag = 'h2',
}: {
  id?: string;
  value: string;
  onSave: (value: string) => void;
  canEdit: boolean;
  className: string;
  maxLength: number;
  label: string;
  editing: boolean;
  onEditingChange: (editing: boolean) => void;
  as?: 'h1' | 'h2' | 'h3';
}) {
  const [draft, setDraft] = useState(value);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (editing) {
      setDraft(value);
      requestAnimationFrame(() => input.current?.select());
    }
  }, [editing, value]);

  if (!canEdit) {
    return (
      <Tag id={id} className={className}>
        {value}
      </Tag>
    );
  }
  if (!editing) {
    return (
      <Tag id={id} className="title-wrap">
        <button
          type="button"
          className={className}
          onClick={() => onEditingChange(true)}
          title={`${value} — click to rename`}
        >
          {value}
        </button>
      </Tag>
    );
  }
  const commit = () => {
    const next = draft.trim();
    onEditingChange(false);
    if (next && next !== value) onSave(next);
  };
  return (
    <input
      ref={input}
      id={id}
      className={`input ${className}`}
      aria-label={label}
      value={draft}
      maxLength={maxLength}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit();
        } else if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          onEditingChange(false);
        }
      }}
    />
  );
}
