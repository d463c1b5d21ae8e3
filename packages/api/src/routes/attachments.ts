import { Readable } from 'node:stream';
import {
  attachmentListSchema,
  attachmentSchema,
  sbError,
  uploadAttachmentQuerySchema,
} from '@switchboard/core';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { CHUNK_SIZE } from '../attachments/chunk-store.js';
import { contentDisposition, parseRange, servingHeaders } from '../attachments/serving.js';
import type { StoredFile } from '../attachments/file-store.js';
import { imageFacts, looksLikeImage } from '../attachments/thumbnail.js';
import { actorOf } from '../http/authenticate.js';
import {
  abortUpload,
  beginUpload,
  deleteAttachment,
  finishUpload,
  listAttachments,
  readableAttachment,
  sweepFileDeletions,
  thumbnailOf,
} from '../store/attachments.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

/**
 * Files on cards. An upload is the raw body of `POST /api/attachments`
 * (its Content-Type is the file's), streamed into chunk rows; downloads
 * stream them back (with ranges). Every answer that carries a file's bytes
 * keeps them from running in the app's origin: nosniff, a sandboxing CSP,
 * and `attachment` unless the bytes really are a raster image.
 */
export function attachmentRoutes(app: App, deps: AppDeps) {
  const { db, config, files } = deps;
  const tags = ['attachments'];
  const limitsOf = {
    maxBytes: config.attachmentMaxBytes,
    quotaBytes: config.boardAttachmentQuotaBytes,
  };

  // Uploads in a scope of their own: any content type, passed through as the raw stream.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const r = typed(scope);
    r.post(
      '/api/attachments',
      {
        bodyLimit: config.attachmentMaxBytes,
        schema: {
          tags,
          summary:
            "Upload a file to a card: the body is the file (Content-Type its type), ?task_id=&name= (201 with the attachment; images get a thumbnail and may become the card's cover)",
          querystring: uploadAttachmentQuerySchema,
          consumes: ['application/octet-stream', '*/*'],
          // The raw file (any type); read as a stream, never parsed.
          body: z.any().meta({
            description: "The file's bytes; Content-Type is its type",
            format: 'binary',
          }),
          response: { 201: attachmentSchema, 413: errorResponses[400], ...errorResponses },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const lengthHeader = request.headers['content-length'];
        const declared = lengthHeader === undefined ? undefined : Number(lengthHeader);
        const contentType =
          (request.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim() ||
          'application/octet-stream';
        const started = await beginUpload(
          db,
          actor,
          {
            taskId: request.query.task_id,
            name: request.query.name,
            contentType,
            declaredSize: Number.isFinite(declared) ? declared : undefined,
            chunkSize: CHUNK_SIZE,
          },
          limitsOf,
        );
        let stored: StoredFile | undefined;
        try {
          const source = (request.body as AsyncIterable<Buffer> | undefined) ?? request.raw;
          const written = await files.write(started.id, source, {
            maxBytes: config.attachmentMaxBytes,
            expected: Number.isFinite(declared) ? declared : undefined,
            contentType,
            tooLarge: () =>
              sbError('SB_ERR_ATTACHMENT_TOO_LARGE', undefined, {
                max_bytes: config.attachmentMaxBytes,
              }),
          });
          stored = { id: started.id, storage_key: written.key, chunk_size: CHUNK_SIZE };
          const image = (await looksLikeImage(files, stored))
            ? await imageFacts(files, stored, written.size)
            : null;
          const attachment = committed(
            deps,
            await finishUpload(
              db,
              actor,
              started.id,
              { ...written, storage: files.kind, image },
              limitsOf,
            ),
          );
          return reply.code(201).send(attachment);
        } catch (error) {
          if (stored?.storage_key) await files.remove([stored.storage_key]).catch(() => {});
          await abortUpload(db, started.id).catch(() => {});
          // The rest of the body was never read: this connection cannot carry another request.
          if (!request.raw.readableEnded) void reply.header('connection', 'close');
          throw error;
        }
      },
    );
  });

  const r = typed(app);
  r.get(
    '/api/tasks/:id/attachments',
    {
      schema: {
        tags,
        summary: "A card's files, oldest first, with the board's use of its quota",
        params: idParams,
        response: { 200: attachmentListSchema, ...errorResponses },
      },
    },
    async (request) =>
      listAttachments(db, actorOf(request), request.params.id, config.boardAttachmentQuotaBytes),
  );

  r.get(
    '/api/attachments/:id',
    {
      schema: {
        tags,
        summary:
          'The file (Range supported; ?download=1 always as a download). Shown inline only when it is a raster image.',
        params: idParams,
        response: {
          200: z
            .any()
            .meta({ description: "The file's bytes (206 with Content-Range for a range)" }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const row = await readableAttachment(db, actorOf(request), request.params.id);
      const etag = `"${row.sha256}"`;
      const inline =
        row.width !== null && (request.query as { download?: string }).download !== '1';
      void reply.headers({
        ...servingHeaders(),
        etag,
        'accept-ranges': 'bytes',
        'content-disposition': contentDisposition(inline ? 'inline' : 'attachment', row.name),
        'content-type': inline ? row.content_type : safeType(row.content_type),
      });
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      const ifRange = request.headers['if-range'];
      const range = parseRange(
        request.headers.range,
        row.size,
        Array.isArray(ifRange) ? ifRange[0] : ifRange,
        etag,
      );
      if (range === 'unsatisfiable') {
        void reply.header('content-range', `bytes */${row.size}`);
        throw sbError('SB_ERR_RANGE_NOT_SATISFIABLE', undefined, { size: row.size });
      }
      const [start, end] = range ?? [0, row.size - 1];
      if (range) {
        void reply.code(206).header('content-range', `bytes ${start}-${end}/${row.size}`);
      }
      void reply.header('content-length', String(Math.max(0, end - start + 1)));
      return reply.send(Readable.from(files.read(row, start, end)));
    },
  );

  r.get(
    '/api/attachments/:id/thumbnail',
    {
      schema: {
        tags,
        summary: "An image attachment's thumbnail (WebP, at most 640 px a side)",
        params: idParams,
        response: { 200: z.any().meta({ description: 'image/webp' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const row = await readableAttachment(db, actorOf(request), request.params.id);
      const thumb = await thumbnailOf(db, row.id);
      if (!thumb) throw sbError('SB_ERR_NOT_FOUND', 'This attachment has no thumbnail.');
      const etag = `"t-${row.sha256}"`;
      void reply.headers({
        ...servingHeaders(),
        etag,
        'content-type': 'image/webp',
        'content-disposition': contentDisposition('inline', `${row.name}.webp`),
      });
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.send(thumb);
    },
  );

  r.delete(
    '/api/attachments/:id',
    {
      schema: {
        tags,
        summary: 'Remove a file from its card (its cover passes to the next image)',
        params: idParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(deps, await deleteAttachment(db, actorOf(request), request.params.id));
      // Its object (if any) goes now rather than at the next sweep.
      void sweepFileDeletions(db, files).catch(() => {});
      return reply.code(204).send(null);
    },
  );
}

/** Anything not shown inline is a download; its declared type is kept unless it could render. */
function safeType(declared: string): string {
  return /^(text\/html|application\/xhtml|image\/svg|text\/xml|application\/xml)/i.test(declared)
    ? 'application/octet-stream'
    : declared;
}
