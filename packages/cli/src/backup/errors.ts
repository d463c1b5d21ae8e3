/**
 * The refusals of `switchboard backup` and `restore`: each exits with status 2
 * and prints its code, which scripts may rely on (docs/backup.md lists them).
 */
export const backupErrorCodes = {
  SB_BACKUP_NO_DATABASE: 'there is no database to back up',
  SB_BACKUP_FILE: 'the backup file cannot be read or written',
  SB_BACKUP_CORRUPT: 'the file is not a Switchboard backup, or it is damaged or truncated',
  SB_BACKUP_CHECKSUM: 'the content does not match its checksum',
  SB_BACKUP_FORMAT: 'the file has a format version this build does not read',
  SB_RESTORE_SCHEMA_NEWER: 'the backup has a schema version newer than this build knows',
  SB_RESTORE_NOT_EMPTY: 'the target database is not empty',
  SB_RESTORE_IN_USE: 'a running switchboard uses the target data directory',
  SB_BACKUP_USAGE: 'bad arguments',
} as const;

export type BackupErrorCode = keyof typeof backupErrorCodes;

export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'BackupError';
  }
}
