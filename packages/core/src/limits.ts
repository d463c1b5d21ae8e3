/** Field and protocol limits shared by the API, the web app and the docs. */
export const limits = {
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
