import type { z } from 'zod';

/** The first message per top-level field of a failed zod parse, for forms. */
export function zodFieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '');
    if (!(field in out)) out[field] = humanize(issue);
  }
  return out;
}

function humanize(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && issue.origin === 'string') {
    return Number(issue.minimum) <= 1 ? 'Required.' : `At least ${issue.minimum} characters.`;
  }
  if (issue.code === 'too_big' && issue.origin === 'string') {
    return `At most ${issue.maximum} characters.`;
  }
  const message = issue.message.replace(/^Invalid string: /, '');
  return message.charAt(0).toUpperCase() + message.slice(1) + (message.endsWith('.') ? '' : '.');
}
