import type { RequestLog, RequestRecord } from './request-log';

/** A failed API call: the server's coded error, or SB_ERR_NETWORK when no answer came. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isApiError(value: unknown, code?: string): value is ApiError {
  return value instanceof ApiError && (code === undefined || value.code === code);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** The version the caller saw; sent as If-Match so stale writes get 409. */
  ifMatch?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Survives page unload (used to flush delayed deletes). */
  keepalive?: boolean;
  /** Called with the moment the response headers arrived (for render timing). */
  onResponse?: (response: Response) => void;
  /** Leave it out of the request log (admin polling). */
  quiet?: boolean;
}

type Listener = (error: ApiError) => void;

export type Request = <T>(path: string, options?: RequestOptions) => Promise<T>;

function servedBy(response: Response): string | null {
  return response.headers.get('x-served-by') ?? response.headers.get('x-instance-id');
}

/**
 * fetch with JSON in and out, coded errors, and a record in the request log.
 * The app makes one at start-up (app-services.ts); 401s from anywhere reach
 * whoever listens (the session).
 */
export class HttpClient {
  private readonly unauthenticatedListeners = new Set<Listener>();

  constructor(private readonly log?: RequestLog) {}

  /** Lets the session layer hear about 401s from anywhere. */
  onUnauthenticated(listener: Listener): () => void {
    this.unauthenticatedListeners.add(listener);
    return () => this.unauthenticatedListeners.delete(listener);
  }

  request: Request = <T>(path: string, options: RequestOptions = {}) => this.send<T>(path, options);

  private logRequest(record: Omit<RequestRecord, 'id'>, quiet?: boolean): void {
    if (!quiet) this.log?.add(record);
  }

  private async send<T>(path: string, options: RequestOptions): Promise<T> {
    const method = options.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    const started = performance.now();
    const at = Date.now();
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: options.signal,
        keepalive: options.keepalive,
      });
    } catch (err) {
      const aborted = err instanceof DOMException && err.name === 'AbortError';
      this.logRequest(
        {
          at,
          method,
          path,
          status: 0,
          servedBy: null,
          durationMs: performance.now() - started,
          errorCode: aborted ? 'ABORTED' : 'SB_ERR_NETWORK',
        },
        options.quiet,
      );
      if (aborted) throw err;
      throw new ApiError(0, 'SB_ERR_NETWORK', 'The server could not be reached.');
    }
    options.onResponse?.(response);
    const record = {
      at,
      method,
      path,
      status: response.status,
      servedBy: servedBy(response),
      durationMs: 0,
    };
    try {
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      let parsed: unknown = undefined;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      if (!response.ok) {
        const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } })
          ?.error;
        const apiError = new ApiError(
          response.status,
          error?.code ?? `SB_ERR_HTTP_${response.status}`,
          error?.message ?? (text.slice(0, 200) || response.statusText),
          error?.details,
        );
        Object.assign(record, { errorCode: apiError.code });
        if (response.status === 401 && apiError.code === 'SB_ERR_UNAUTHENTICATED') {
          for (const listener of this.unauthenticatedListeners) listener(apiError);
        }
        throw apiError;
      }
      return parsed as T;
    } finally {
      record.durationMs = performance.now() - started;
      this.logRequest(record, options.quiet);
    }
  }
}
