import { latin1 } from './chars.js';
import { HeadBuilder } from './head-builder.js';
import { FIELDS } from './field-table.js';
import { R_CONTENT_LENGTH, R_DATE, R_OTHER, type ResponseHead } from './response-head.js';
import { connectionLines, statusLine, utcDate } from './response-writer.js';

/**
 * The client's response head for an upstream answer, rewritten once on its
 * bytes: the status line (normalised to HTTP/1.1), the upstream's end-to-end
 * headers copied as they came (hop-by-hop, Connection-named and X-Served-By
 * removed), then `tail` (X-Served-By, X-Request-Id, …), then what node:http's
 * ServerResponse would add: Date when missing, Connection/Keep-Alive, and
 * Transfer-Encoding when the body is re-chunked.
 */
export function proxiedHead(
  r: ResponseHead,
  tail: string,
  chunked: boolean,
  keepAlive: boolean,
  keepAliveTimeoutMs: number,
): Buffer {
  const buf = r.buf;
  const b = new HeadBuilder();
  if (!r.http10 && r.reasonEnd > r.reasonStart) b.raw(buf, r.start, r.lineEnd + 2);
  else
    b.str(
      statusLine(
        r.status,
        r.reasonEnd > r.reasonStart ? latin1(buf, r.reasonStart, r.reasonEnd) : undefined,
      ),
    );
  const f = r.fields;
  const listed = r.listed;
  let hasDate = false;
  for (let i = 0; i < r.count; i++) {
    const o = i * FIELDS;
    const kind = f[o + 4];
    if (kind !== R_OTHER && kind !== R_DATE && kind !== R_CONTENT_LENGTH) continue;
    if (listed !== undefined && listed.has(latin1(buf, f[o]!, f[o + 1]!).toLowerCase())) continue;
    if (kind === R_DATE) hasDate = true;
    b.field(r, i);
  }
  b.str(tail);
  if (!hasDate) b.str(`Date: ${utcDate()}\r\n`);
  b.str(connectionLines(keepAlive, keepAliveTimeoutMs));
  b.str(chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : '\r\n');
  return b.build();
}
