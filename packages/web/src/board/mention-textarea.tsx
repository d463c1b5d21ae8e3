import type { Member } from '@switchboard/core';
import { type KeyboardEvent, useId, useRef, useState } from 'react';
import { mentionCandidates, mentionQuery } from '../state/cards/comments-state';
import { Avatar } from '../ui/avatar';

/**
 * A textarea that offers board members while an `@name` is typed (combobox
 * pattern: arrows move, Enter or Tab picks, Escape closes; the list is
 * announced through aria-activedescendant).
 */
export function MentionTextarea({
  id,
  label,
  value,
  onChange,
  members,
  onSubmit,
  onCancel,
  placeholder,
  autoFocus,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  members: readonly Member[];
  onSubmit: () => void;
  onCancel?: () => void;
  placeholder?: string;
  autoFocus?: boolean;
}) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const query = mentionQuery(value, caret);
  const candidates =
    query && dismissed !== query.start ? mentionCandidates(members, query.query) : [];
  const open = candidates.length > 0;
  const current = Math.min(active, candidates.length - 1);

  const pick = (member: Member) => {
    if (!query) return;
    const end = query.start + 1 + query.query.length;
    const next = `${value.slice(0, query.start)}@${member.username} ${value.slice(end)}`;
    const at = query.start + member.username.length + 2;
    onChange(next);
    setCaret(at);
    requestAnimationFrame(() => {
      ref.current?.setSelectionRange(at, at);
      ref.current?.focus();
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setActive((current + step + candidates.length) % candidates.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(candidates[current]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setDismissed(query?.start ?? null);
        return;
      }
    }
    if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
      e.preventDefault();
      onSubmit();
    } else if (e.key === 'Escape' && onCancel) {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    }
  };

  return (
    <div className="mention-box">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <textarea
        ref={ref}
        id={id}
        className="textarea"
        rows={3}
        value={value}
        placeholder={placeholder}
        autoFocus={autoFocus}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open ? `${listId}-${current}` : undefined}
        onChange={(e) => {
          onChange(e.target.value);
          setCaret(e.target.selectionStart);
          setActive(0);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setDismissed(query?.start ?? null), 150)}
        onFocus={() => setDismissed(null)}
      />
      <ul
        id={listId}
        role="listbox"
        aria-label="Mention a member"
        className="mention-list"
        hidden={!open}
      >
        {candidates.map((m, i) => (
          <li
            key={m.user_id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === current}
            className={i === current ? 'is-active' : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              pick(m);
            }}
          >
            <Avatar name={m.username} size="sm" />
            {m.username}
          </li>
        ))}
      </ul>
    </div>
  );
}
