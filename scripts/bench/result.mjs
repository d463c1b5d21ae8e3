// What each benchmark writes to the file named by its `--json <file>` option,
// for `npm run bench` (scripts/bench.mjs) to collect. Each benchmark writes it
// itself (its human output stays as it was); this is the one statement of it.
//
//   {
//     "benchmark": "proxy",          the catalog name (scripts/bench/catalog.mjs)
//     "quick": false,                whether --quick was given
//     "skipped": "wrk is missing…",  only when it could not run at all (a tool missing)
//     "headline": [                  the figures the summary tabulates, ours first:
//       { "figure": "req/s, 1 worker", "unit": "req/s", "better": "higher",
//         "value": 13400,            ours (null only when the run could not measure it)
//         "reference": "haproxy",    what it is compared with in the same run, or null
//         "referenceValue": 23600,   null when there is no reference or it was missing
//         "ratio": 0.57 }            value ÷ referenceValue, or null
//     ],
//     "missing": [                   references that could not run, and why
//       { "reference": "pgbench", "reason": "pgbench is missing (…)" }
//     ],
//     "details": { … }               anything else the benchmark measured
//   }

const isNumberOrNull = (v) => v === null || (typeof v === 'number' && Number.isFinite(v));
const isStringOrNull = (v) => v === null || typeof v === 'string';

/** What is wrong with a result for benchmark `name` run in mode `quick` (empty: well-formed). */
export function resultProblems(result, name, quick) {
  if (typeof result !== 'object' || result === null || Array.isArray(result))
    return ['not a JSON object'];
  const problems = [];
  if (result.benchmark !== name) problems.push(`benchmark is ${JSON.stringify(result.benchmark)}`);
  if (result.quick !== quick) problems.push(`quick is ${JSON.stringify(result.quick)}`);
  if (result.skipped !== undefined && typeof result.skipped !== 'string')
    problems.push('skipped is not a string');
  if (!Array.isArray(result.missing)) problems.push('missing is not a list');
  else
    for (const m of result.missing)
      if (typeof m?.reference !== 'string' || typeof m?.reason !== 'string')
        problems.push(`missing entry ${JSON.stringify(m)} lacks reference or reason`);
  if (!Array.isArray(result.headline)) return [...problems, 'headline is not a list'];
  if (result.headline.length === 0 && result.skipped === undefined)
    problems.push('headline is empty');
  result.headline.forEach((row, i) => {
    const at = `headline[${i}]`;
    if (typeof row?.figure !== 'string' || row.figure === '') problems.push(`${at}.figure`);
    if (typeof row?.unit !== 'string') problems.push(`${at}.unit`);
    if (row?.better !== 'higher' && row?.better !== 'lower') problems.push(`${at}.better`);
    for (const key of ['value', 'referenceValue', 'ratio'])
      if (!isNumberOrNull(row?.[key]))
        problems.push(`${at}.${key} is ${JSON.stringify(row?.[key])}`);
    if (!isStringOrNull(row?.reference)) problems.push(`${at}.reference`);
    if (row?.ratio !== null && row?.referenceValue === null)
      problems.push(`${at} has a ratio without a reference value`);
  });
  return problems;
}
