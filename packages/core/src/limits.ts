/** Field and protocol limits shared by the API, the web app and the docs. */
export const limits = {
  /** Default largest attachment (MiB; ATTACHMENT_MAX_MB). */
  attachmentMaxMiB: 100,
  /** Default files per board together (MiB; BOARD_ATTACHMENT_QUOTA_MB). */
  boardAttachmentQuotaMiB: 2048,
  /** Attachments on one card. */
  attachmentsPerTask: 100,
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 256,
  boardTitleMax: 100,
  columnTitleMax: 60,
  taskTitleMax: 200,
  taskDescriptionMax: 20_000,
  labelMax: 40,
  labelsPerTask: 20,
  labelsPerBoard: 100,
  commentMax: 10_000,
  commentsPageDefault: 50,
  commentsPageMax: 200,
  mentionsPerComment: 50,
  checklistTitleMax: 200,
  checklistsPerTask: 20,
  checklistItemsPerChecklist: 200,
  customFieldNameMax: 60,
  customFieldsPerBoard: 50,
  customFieldOptionsMax: 50,
  customFieldTextMax: 1000,
  activityPageDefault: 50,
  activityPageMax: 200,
  /** A task is "due soon" this long before its due time. */
  dueSoonHours: 24,
  /** Days a deleted card stays in the trash before it is purged (API default; TRASH_RETENTION_DAYS). */
  trashRetentionDays: 30,
  assigneesPerTask: 20,
  wipLimitMax: 10_000,
  pageSizeDefault: 50,
  pageSizeMax: 500,
  eventsPageDefault: 100,
  eventsPageMax: 1000,
  /** A subscriber further behind than this gets a snapshot instead of a replay. */
  replayCap: 1000,
  /** JSON bodies larger than this get 413. */
  bodyLimitBytes: 256 * 1024,
  /** Sessions (JWT and cookie) last 30 days: a month between logins on the same device. */
  sessionSeconds: 30 * 24 * 60 * 60,
} as const;
