/**
 * `@username` mentions in Markdown text. A mention starts at a word boundary
 * (so e-mail addresses are not mentions) and is left alone inside code.
 * Usernames are those registration allows: letters, digits, dot, dash,
 * underscore; a trailing dot or dash is punctuation, not part of the name.
 */
const mentionPattern = /(^|[^\w@.`-])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})/g;

function withoutCode(markdown: string): string {
  return markdown
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?(^\1[ \t]*$|(?![\s\S]))/gm, ' ')
    .replace(/(`+)[^`]*?\1/g, ' ');
}

/** Usernames mentioned, lower-cased, each once, in order of first mention. */
export function mentionedUsernames(markdown: string): string[] {
  const names = new Set<string>();
  for (const m of withoutCode(markdown).matchAll(mentionPattern)) {
    const name = m[2]!.replace(/[.-]+$/, '').toLowerCase();
    if (name.length >= 3) names.add(name);
  }
  return [...names];
}

/** The ids of the people mentioned, among those who may be (the board's members). */
export function resolveMentions(
  markdown: string,
  people: readonly { user_id: number; username: string }[],
): number[] {
  const byName = new Map(people.map((p) => [p.username.toLowerCase(), p.user_id]));
  const ids: number[] = [];
  for (const name of mentionedUsernames(markdown)) {
    const id = byName.get(name);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
