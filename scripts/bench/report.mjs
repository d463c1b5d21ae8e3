// The Markdown face of a summary (the JSON one is the summary object itself).

const group = (n) => {
  const [int, frac] = String(n).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  return frac ? `${grouped}.${frac}` : grouped;
};

/** Whole numbers from 100, one decimal from 10, two below; thin-space thousands: 13 412, 58.7, 0.57. */
export function formatNumber(n) {
  if (n === null || n === undefined) return '–';
  const abs = Math.abs(n);
  if (abs >= 100) return group(Math.round(n));
  if (abs >= 10) return group(Math.round(n * 10) / 10);
  return String(Math.round(n * 100) / 100);
}

const duration = (s) =>
  s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s * 10) / 10} s`;
const gib = (bytes) => `${Math.round((bytes / 2 ** 30) * 10) / 10} GiB`;
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function machineLines(s) {
  const m = s.machine;
  const git = m.git.commit
    ? `${m.git.commit.slice(0, 12)} on ${m.git.branch}${m.git.dirty ? ' (with uncommitted changes)' : ''}`
    : 'unknown';
  const tools = Object.entries(m.tools)
    .map(([name, v]) => `${name}: ${v ?? 'missing'}`)
    .join(' · ');
  return [
    `- **Machine**: ${m.cores} × ${m.cpu}, ${gib(m.memoryBytes)} memory, ${m.os ?? m.kernel} (${m.kernel}), Node ${m.node}`,
    `- **Load average** (1, 5, 15 min): before ${s.loadAverage.before.join(' ')}, after ${s.loadAverage.after.join(' ')}`,
    `- **Commit**: ${git}`,
    `- **Date**: ${s.started} to ${s.finished} (${duration(s.seconds)})`,
    `- **Tools**: ${tools}`,
  ];
}

/** The summary as a Markdown document: status of each benchmark, then its headline figures. */
export function renderMarkdown(s) {
  const lines = [
    `# Switchboard benchmarks${s.quick ? ' (quick mode: figures mean nothing)' : ''}`,
    '',
    `\`${s.command}\`, ${s.started}`,
    '',
    ...machineLines(s),
    '',
    '| benchmark | status | time | note |',
    '| --- | --- | --: | --- |',
    ...s.benchmarks.map(
      (b) => `| ${b.name} | ${b.status} | ${duration(b.seconds)} | ${cell(b.reason ?? '')} |`,
    ),
    '',
    'Ratios are ours ÷ the reference measured in the same run; "better" says which way is good.',
    '',
    '| benchmark | figure | ours | reference | ratio | better |',
    '| --- | --- | --: | --- | --: | --- |',
  ];
  for (const b of s.benchmarks) {
    const rows = b.result?.headline ?? [];
    if (rows.length === 0) {
      lines.push(`| ${b.name} | _${b.status}: no figures_ | | | | |`);
      continue;
    }
    for (const r of rows) {
      const ours = r.value === null ? '–' : `${formatNumber(r.value)} ${r.unit}`;
      const ref =
        r.reference === null
          ? '–'
          : r.referenceValue === null
            ? `${r.reference}: not measured`
            : `${r.reference}: ${formatNumber(r.referenceValue)}`;
      const ratio = r.ratio === null ? '–' : formatNumber(r.ratio);
      lines.push(
        `| ${b.name} | ${cell(r.figure)} | ${ours} | ${cell(ref)} | ${ratio} | ${r.better} |`,
      );
    }
  }
  lines.push(
    '',
    "Each benchmark's full result is under `benchmarks[].result.details` in the JSON file of the same name.",
    '',
  );
  return lines.join('\n');
}
