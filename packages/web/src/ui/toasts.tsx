import { useEffect, useSyncExternalStore } from 'react';
import { Icon } from './icons';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  message: string;
  action?: { label: string; run: () => void };
  /** ms; 0 keeps it until dismissed. */
  timeout: number;
}

let toasts: readonly Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

export function showToast(toast: Omit<Toast, 'id' | 'timeout'> & { timeout?: number }): number {
  const id = nextId++;
  const timeout = toast.timeout ?? (toast.kind === 'error' ? 8000 : 5000);
  toasts = [...toasts.slice(-3), { ...toast, id, timeout }];
  emit();
  return id;
}

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

function ToastView({ toast }: { toast: Toast }) {
  useEffect(() => {
    if (toast.timeout === 0) return;
    const timer = setTimeout(() => dismissToast(toast.id), toast.timeout);
    return () => clearTimeout(timer);
  }, [toast.id, toast.timeout]);
  return (
    <div className={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
      <span className="toast-message">{toast.message}</span>
      {toast.action && (
        <button
          type="button"
          className="btn btn-sm toast-action"
          onClick={() => {
            toast.action?.run();
            dismissToast(toast.id);
          }}
        >
          {toast.action.label}
        </button>
      )}
      <button
        type="button"
        className="btn btn-sm btn-icon"
        aria-label="Dismiss"
        onClick={() => dismissToast(toast.id)}
      >
        <Icon name="x" />
      </button>
    </div>
  );
}

export function Toaster() {
  const list = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
  return (
    <div className="toaster" aria-live="polite">
      {list.map((t) => (
        <ToastView key={t.id} toast={t} />
      ))}
    </div>
  );
}
