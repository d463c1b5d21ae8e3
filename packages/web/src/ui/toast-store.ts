export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  message: string;
  action?: { label: string; run: () => void };
  /** ms; 0 keeps it until dismissed. */
  timeout: number;
}

export type ToastInput = Omit<Toast, 'id' | 'timeout'> & { timeout?: number };

/** The few toasts on screen (the newest four), observable by React. */
export class ToastStore {
  private toasts: readonly Toast[] = [];
  private nextId = 1;
  private readonly listeners = new Set<() => void>();

  show = (toast: ToastInput): number => {
    const id = this.nextId++;
    const timeout = toast.timeout ?? (toast.kind === 'error' ? 8000 : 5000);
    this.toasts = [...this.toasts.slice(-3), { ...toast, id, timeout }];
    this.emit();
    return id;
  };

  dismiss = (id: number): void => {
    this.toasts = this.toasts.filter((t) => t.id !== id);
    this.emit();
  };

  list = (): readonly Toast[] => this.toasts;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
