import type { Attachment } from '@switchboard/core';
import { ApiError } from './http';

export interface UploadHandle {
  done: Promise<Attachment>;
  cancel(): void;
}

/**
 * Sends one file to a card as the raw body of POST /api/attachments, with
 * progress (fetch has no upload progress, so XMLHttpRequest). The browser
 * streams the File from disk; nothing is read into memory here.
 */
export function uploadFile(
  taskId: number,
  file: File,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const name = file.name || 'pasted-image.png';
  const done = new Promise<Attachment>((resolve, reject) => {
    xhr.open(
      'POST',
      `/api/attachments?task_id=${taskId}&name=${encodeURIComponent(name.slice(0, 255))}`,
    );
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      if (xhr.status === 201) return resolve(parsed as Attachment);
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } })
        ?.error;
      reject(
        new ApiError(
          xhr.status,
          error?.code ?? `SB_ERR_HTTP_${xhr.status}`,
          error?.message ?? (xhr.statusText || 'The upload failed.'),
          error?.details,
        ),
      );
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'SB_ERR_NETWORK', 'The server could not be reached.'));
    xhr.onabort = () => reject(new ApiError(0, 'ABORTED', 'Upload cancelled.'));
    xhr.send(file);
  });
  return { done, cancel: () => xhr.abort() };
}
