import { type ReactNode, useEffect, useId, useRef } from 'react';
import { Icon } from './icons';

interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  /** Replace the default <h2> title (e.g. an editable title). */
  header?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  className?: string;
  /** Labelled by this instead of the title. */
  ariaLabel?: string;
}

/**
 * A modal on the native <dialog>: focus moves in and is trapped by the
 * browser, Escape closes, focus returns to what opened it.
 */
export function Dialog({
  open,
  onClose,
  title,
  header,
  children,
  footer,
  wide,
  className = '',
  ariaLabel,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      const opener = document.activeElement as HTMLElement | null;
      dialog.showModal();
      // The element marked data-autofocus, else the dialog itself (so a title
      // field does not look like it is being edited the moment it opens).
      const target = dialog.querySelector<HTMLElement>('[data-autofocus]');
      if (target) target.focus();
      else dialog.focus();
      return () => {
        if (dialog.open) dialog.close();
        if (opener && document.contains(opener)) opener.focus();
      };
    }
    return undefined;
  }, [open]);

  if (!open) return null;
  return (
    <dialog
      ref={ref}
      tabIndex={-1}
      className={`dialog${wide ? ' dialog-wide' : ''} ${className}`}
      aria-labelledby={ariaLabel ? undefined : titleId}
      aria-label={ariaLabel}
      onCancel={(event) => {
        // React passes a nested dialog's Escape up its tree: only the dialog it was for closes.
        if (event.target !== ref.current) return;
        event.preventDefault();
        onCloseRef.current();
      }}
      onMouseDown={(event) => {
        // A press on the backdrop (the dialog element itself) closes.
        if (event.target === ref.current) onCloseRef.current();
      }}
    >
      <div className="dialog-header">
        {header ?? <h2 id={titleId}>{title}</h2>}
        {header && (
          <span id={titleId} className="visually-hidden">
            {title}
          </span>
        )}
        <button
          type="button"
          className="btn btn-ghost btn-icon"
          onClick={() => onCloseRef.current()}
          aria-label="Close"
        >
          <Icon name="x" />
        </button>
      </div>
      <div className="dialog-body">{children}</div>
      {footer && <div className="dialog-footer">{footer}</div>}
    </dialog>
  );
}

/** A yes/no question with a dangerous yes. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  busy,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={onConfirm} disabled={busy}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}
