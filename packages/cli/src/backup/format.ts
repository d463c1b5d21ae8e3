/**
 * The backup file: gzip of
 *
 *   one line of JSON: the header (what follows, and how much of it);
 *   per table, in the header's order: frames of COPY text (u32 big-endian
 *     length, then that many bytes), closed by a frame of length 0;
 *   one line: `END ` + JSON {sha256} — of every byte before it.
 *
 * Row counts and sequences are in the header because the whole backup reads
 * one snapshot: the counts taken first are the rows COPY sends after.
 */
export const backupFormat = 'switchboard-backup';
export const backupFormatVersion = 1;

export interface BackupTable {
  name: string;
  /** Stored columns in order (generated ones are left to the database). */
  columns: string[];
  rows: number;
}

export interface BackupSequence {
  name: string;
  lastValue: number;
  isCalled: boolean;
}

export interface BackupHeader {
  format: typeof backupFormat;
  formatVersion: number;
  createdAt: string;
  /** The last migration applied: the schema the data fits. */
  schemaVersion: string;
  migrations: string[];
  postgresVersion: string;
  /** In an order that satisfies foreign keys (referenced tables first). */
  tables: BackupTable[];
  sequences: BackupSequence[];
}

export interface BackupTrailer {
  sha256: string;
}

export const trailerPrefix = 'END ';

export function frame(data: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(data.length, 0);
  return Buffer.concat([head, data]);
}

export const endOfTable = Buffer.alloc(4);
