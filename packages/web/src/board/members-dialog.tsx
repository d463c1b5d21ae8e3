import { addMemberSchema, type Member, type Role, roles } from '@switchboard/core';
import { useState } from 'react';
import { errorText, fieldErrors } from '../api/error-text';
import { zodFieldErrors } from '../lib/zod-errors';
import { navigate, paths } from '../router';
import { Avatar } from '../ui/avatar';
import { Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';
import { useServices } from '../services-context';

const roleHelp: Record<Role, string> = {
  owner: 'Owners manage members, archive and delete the board.',
  editor: 'Editors change columns and tasks.',
  viewer: 'Viewers only read.',
};

/** Members: owners add by username, change roles, remove; others may leave. */
export function MembersDialog({
  open,
  onClose,
  members,
  isOwner,
}: {
  open: boolean;
  onClose: () => void;
  members: readonly Member[];
  isOwner: boolean;
}) {
  const { boardId, viewerId, store } = useBoard();
  const { api, toasts } = useServices();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = () => void store.catchUp().catch(() => {});
  const run = async (action: () => Promise<unknown>, done?: string) => {
    try {
      await action();
      if (done) toasts.show({ kind: 'success', message: done });
      refresh();
      return true;
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
      return false;
    }
  };

  const add = async () => {
    const parsed = addMemberSchema.safeParse({ username: username.trim(), role });
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      await api.addMember(boardId, parsed.data);
      setUsername('');
      toasts.show({
        kind: 'success',
        message: `${parsed.data.username} can now ${role === 'viewer' ? 'see' : 'edit'} this board.`,
      });
      refresh();
    } catch (error) {
      const fields = fieldErrors(error);
      if (Object.keys(fields).length) setErrors(fields);
      else setFormError(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  const owners = members.filter((m) => m.role === 'owner').length;
  return (
    <Dialog open={open} onClose={onClose} title="Members">
      {isOwner && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
          style={{ marginBottom: 20 }}
          noValidate
        >
          {formError && (
            <div className="form-error" role="alert">
              <Icon name="alert" /> {formError}
            </div>
          )}
          <div className="member-form">
            <div className="field">
              <label className="label" htmlFor="member-username">
                Add someone by username
              </label>
              <input
                id="member-username"
                className="input"
                autoComplete="off"
                placeholder="username"
                value={username}
                aria-invalid={errors.username ? true : undefined}
                aria-describedby={errors.username ? 'member-username-error' : undefined}
                onChange={(e) => setUsername(e.target.value)}
              />
            </div>
            <div className="field">
              <label className="label" htmlFor="member-role">
                Role
              </label>
              <select
                id="member-role"
                className="select"
                value={role}
                onChange={(e) => setRole(e.target.value as Role)}
              >
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="plus" />}
              Add
            </button>
          </div>
          {errors.username && (
            <p className="field-error" id="member-username-error" style={{ marginTop: 6 }}>
              {errors.username}
            </p>
          )}
          <p className="hint" style={{ marginTop: 6 }}>
            {roleHelp[role]}
          </p>
        </form>
      )}
      <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Board members">
        {members.map((m) => {
          const me = m.user_id === viewerId;
          const lastOwner = m.role === 'owner' && owners <= 1;
          return (
            <li
              key={m.user_id}
              style={{
                display: 'flex',
                alignItems: 'center',
                gap: 10,
                padding: '8px 0',
                borderBottom: '1px solid var(--border)',
              }}
            >
              <Avatar name={m.username} />
              <span style={{ flex: 1, minWidth: 0 }}>
                <strong>{m.username}</strong>
                {me && <span className="hint"> (you)</span>}
              </span>
              {isOwner && !me ? (
                <>
                  <label className="visually-hidden" htmlFor={`role-${m.user_id}`}>
                    Role of {m.username}
                  </label>
                  <select
                    id={`role-${m.user_id}`}
                    className="select"
                    style={{ width: 110 }}
                    value={m.role}
                    onChange={(e) =>
                      void run(
                        () =>
                          api.updateMember(boardId, m.user_id, { role: e.target.value as Role }),
                        `${m.username} is now ${e.target.value}.`,
                      )
                    }
                  >
                    {roles.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                  <button
                    type="button"
                    className="btn btn-danger-ghost btn-icon btn-sm"
                    aria-label={`Remove ${m.username}`}
                    title={`Remove ${m.username}`}
                    onClick={() =>
                      void run(
                        () => api.removeMember(boardId, m.user_id),
                        `${m.username} was removed.`,
                      )
                    }
                  >
                    <Icon name="x" />
                  </button>
                </>
              ) : (
                <span className={`badge${m.role === 'owner' ? ' badge-accent' : ''}`}>
                  {m.role}
                </span>
              )}
              {me && (
                <button
                  type="button"
                  className="btn btn-danger-ghost btn-sm"
                  disabled={lastOwner}
                  title={lastOwner ? 'Make someone else owner first' : 'Leave this board'}
                  onClick={() =>
                    void run(() => api.removeMember(boardId, viewerId)).then((ok) => {
                      if (ok) {
                        toasts.show({ kind: 'info', message: 'You left the board.' });
                        navigate(paths.boards());
                      }
                    })
                  }
                >
                  <Icon name="leave" /> Leave
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </Dialog>
  );
}
