import type { Attachment, Task } from '@switchboard/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/error-text';
import { uploadFile, type UploadHandle } from '../api/upload';
import { relativeTime } from '../lib/format';
import { useServices } from '../services-context';
import type { BoardStore } from '../state/board-store';
import { useAttachments } from '../state/cards/use-card-data';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';

interface Upload {
  key: number;
  name: string;
  sent: number;
  total: number;
  error: string | null;
  handle: UploadHandle;
}

/** 1 536 → "1.5 KB" (binary multiples, as the limits are set: 100 MB is 100 MiB). */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * A card's files: upload by the button, by dropping files anywhere on the
 * dialog or by pasting (a screenshot, say); images show a thumbnail, open in
 * a preview and can be the card's cover. Others' uploads and removals show
 * at once. Owners see how much of the board's quota the files use.
 */
export function CardAttachments({
  store,
  task,
  canWrite,
  isOwner,
}: {
  store: BoardStore;
  task: Task;
  canWrite: boolean;
  isOwner: boolean;
}) {
  const { api, toasts } = useServices();
  const { state, dispatch } = useAttachments(store, task.id);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [preview, setPreview] = useState<Attachment | null>(null);
  const [removing, setRemoving] = useState<Attachment | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const nextKey = useRef(1);

  const addFiles = useCallback(
    (files: Iterable<File>) => {
      if (!canWrite) return;
      for (const file of files) {
        const key = nextKey.current++;
        const handle = uploadFile(task.id, file, (sent, total) =>
          setUploads((list) => list.map((u) => (u.key === key ? { ...u, sent, total } : u))),
        );
        setUploads((list) => [
          ...list,
          {
            key,
            name: file.name || 'pasted image',
            sent: 0,
            total: file.size,
            error: null,
            handle,
          },
        ]);
        handle.done.then(
          (attachment) => {
            dispatch({ type: 'added', attachment });
            setUploads((list) => list.filter((u) => u.key !== key));
          },
          (error: unknown) =>
            setUploads((list) =>
              list.map((u) => (u.key === key ? { ...u, error: errorText(error) } : u)),
            ),
        );
      }
    },
    [canWrite, dispatch, task.id],
  );

  // Dropping or pasting files anywhere while the card is open adds them.
  useEffect(() => {
    if (!canWrite) return;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') === true;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      addFiles(Array.from(e.dataTransfer?.files ?? []));
    };
    const paste = (e: ClipboardEvent) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length === 0) return;
      e.preventDefault();
      addFiles(files);
    };
    document.addEventListener('dragover', over);
    document.addEventListener('dragleave', leave);
    document.addEventListener('drop', drop);
    document.addEventListener('paste', paste);
    return () => {
      document.removeEventListener('dragover', over);
      document.removeEventListener('dragleave', leave);
      document.removeEventListener('drop', drop);
      document.removeEventListener('paste', paste);
    };
  }, [addFiles, canWrite]);

  // Leaving the card cancels what is still on its way.
  const uploadsRef = useRef(uploads);
  uploadsRef.current = uploads;
  useEffect(() => () => uploadsRef.current.forEach((u) => u.handle.cancel()), []);

  const setCover = async (attachmentId: number | null) => {
    try {
      await api.updateTask(task.id, { cover_attachment_id: attachmentId });
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
    }
  };
  const remove = async (a: Attachment) => {
    setRemoving(null);
    try {
      await api.deleteAttachment(a.id);
      dispatch({ type: 'removed', id: a.id });
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
    }
  };
  const coverId = task.cover?.attachment_id ?? null;

  return (
    <section
      className={`section card-attachments${dragging ? ' is-drop-target' : ''}`}
      aria-labelledby={`attachments-${task.id}`}
    >
      <h3 className="section-title" id={`attachments-${task.id}`}>
        <Icon name="paperclip" /> Attachments
        {state.list.length > 0 && <span className="count">{state.list.length}</span>}
        {canWrite && (
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => picker.current?.click()}
          >
            <Icon name="upload" /> Add files
          </button>
        )}
      </h3>
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        aria-label="Files to attach"
        onChange={(e) => {
          addFiles(Array.from(e.target.files ?? []));
          e.target.value = '';
        }}
      />
      {dragging && <p className="drop-hint">Drop the files to attach them to this card</p>}
      {uploads.length > 0 && (
        <ul className="upload-list" aria-label="Uploading">
          {uploads.map((u) => (
            <li key={u.key} className={`upload-row${u.error ? ' has-error' : ''}`}>
              <span className="upload-name">{u.name}</span>
              {u.error ? (
                <>
                  <span className="field-error" role="alert">
                    {u.error}
                  </span>
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm"
                    onClick={() => setUploads((list) => list.filter((x) => x.key !== u.key))}
                  >
                    Dismiss
                  </button>
                </>
              ) : (
                <>
                  <progress max={u.total || 1} value={u.sent} aria-label={`Uploading ${u.name}`} />
                  <span className="hint">
                    {fileSize(u.sent)} / {fileSize(u.total)}
                  </span>
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm"
                    onClick={() => u.handle.cancel()}
                  >
                    Cancel
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {state.list.length > 0 && (
        <ul className="attachment-list" aria-label="Files">
          {state.list.map((a) => (
            <li key={a.id} className="attachment-row" data-attachment-id={a.id}>
              {a.thumbnail_url ? (
                <button
                  type="button"
                  className="attachment-thumb"
                  onClick={() => setPreview(a)}
                  aria-label={`Preview ${a.name}`}
                >
                  <img src={a.thumbnail_url} alt="" loading="lazy" />
                </button>
              ) : (
                <a className="attachment-thumb is-file" href={a.url} aria-hidden tabIndex={-1}>
                  <span>{extensionOf(a.name)}</span>
                </a>
              )}
              <div className="attachment-info">
                <a className="attachment-name" href={a.url} target="_blank" rel="noopener">
                  {a.name}
                </a>
                <span className="hint">
                  {fileSize(a.size)} · {relativeTime(a.created_at)}
                  {a.id === coverId && <span className="cover-badge"> · Cover</span>}
                </span>
                <span className="attachment-actions">
                  <a className="btn btn-ghost btn-sm" href={`${a.url}?download=1`} download>
                    <Icon name="download" /> Download
                  </a>
                  {canWrite &&
                    a.image &&
                    (a.id === coverId ? (
                      <button
                        type="button"
                        className="btn btn-ghost btn-sm"
                        onClick={() => void setCover(null)}
                      >
                        Remove cover
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-ghost btn-sm"
                        onClick={() => void setCover(a.id)}
                      >
                        <Icon name="image" /> Make cover
                      </button>
                    ))}
                  {canWrite && (
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm"
                      aria-label={`Delete ${a.name}`}
                      onClick={() => setRemoving(a)}
                    >
                      <Icon name="trash" />
                    </button>
                  )}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {state.loaded && state.list.length === 0 && uploads.length === 0 && (
        <p className="hint">
          {canWrite ? 'No files yet: add some, drop them here or paste an image.' : 'No files.'}
        </p>
      )}
      {isOwner && state.usage && (
        <p className="hint quota-line">
          This board’s files: {fileSize(state.usage.bytes)} of {fileSize(state.usage.quota)}
        </p>
      )}
      {preview && (
        <Dialog open wide onClose={() => setPreview(null)} title={preview.name}>
          <figure className="attachment-preview">
            <img src={preview.url} alt={preview.name} />
            <figcaption className="hint">
              {preview.image ? `${preview.image.width} × ${preview.image.height} · ` : ''}
              {fileSize(preview.size)} ·{' '}
              <a href={`${preview.url}?download=1`} download>
                Download
              </a>
            </figcaption>
          </figure>
        </Dialog>
      )}
      <ConfirmDialog
        open={removing !== null}
        title="Delete this file?"
        confirmLabel="Delete file"
        onConfirm={() => removing && void remove(removing)}
        onClose={() => setRemoving(null)}
      >
        <p>
          <strong>{removing?.name}</strong> is removed from the card for everyone. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && name.length - dot <= 6 ? name.slice(dot + 1).toUpperCase() : 'FILE';
}
