import { useEffect, useSyncExternalStore } from 'react';
import { useServices } from '../services-context';
import { Icon } from './icons';
import type { Toast, ToastStore } from './toast-store';

function ToastView({ toast, store }: { toast: Toast; store: ToastStore }) {
  useEffect(() => {
    if (toast.timeout === 0) return;
    const timer = setTimeout(() => store.dismiss(toast.id), toast.timeout);
    return () => clearTimeout(timer);
  }, [toast.id, toast.timeout, store]);
  return (
    <div className={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
      <span className="toast-message">{toast.message}</span>
      {toast.action && (
        <button
          type="button"
          className="btn btn-sm toast-action"
          onClick={() => {
            toast.action?.run();
            store.dismiss(toast.id);
          }}
        >
          {toast.action.label}
        </button>
      )}
      <button
        type="button"
        className="btn btn-sm btn-icon"
        aria-label="Dismiss"
        onClick={() => store.dismiss(toast.id)}
      >
        <Icon name="x" />
      </button>
    </div>
  );
}

export function Toaster() {
  const { toasts } = useServices();
  const list = useSyncExternalStore(toasts.subscribe, toasts.list);
  return (
    <div className="toaster" aria-live="polite">
      {list.map((t) => (
        <ToastView key={t.id} toast={t} store={toasts} />
      ))}
    </div>
  );
}
