/** Per header: line start, name end, value start, value end (trimmed), kind. */
export const FIELDS = 5;

/** A parsed head's headers as offsets into its bytes, FIELDS numbers each. */
export interface FieldTable {
  /** Grown on demand: most heads have fewer than 16 headers. */
  fields: Int32Array;
  count: number;
}

export function newFields(): Int32Array {
  return new Int32Array(16 * FIELDS);
}

/** Records one header line (offsets into the head's bytes). */
export function addField(
  t: FieldTable,
  lineStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
  kind: number,
): void {
  const o = t.count * FIELDS;
  if (o === t.fields.length) {
    const grown = new Int32Array(o * 2);
    grown.set(t.fields);
    t.fields = grown;
  }
  const f = t.fields;
  f[o] = lineStart;
  f[o + 1] = nameEnd;
  f[o + 2] = valueStart;
  f[o + 3] = valueEnd;
  f[o + 4] = kind;
  t.count++;
}
