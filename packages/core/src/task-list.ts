import { sbError } from './errors.js';

/**
 * Markdown task lists (`- [ ] item`, `1. [x] item`) as GitHub-flavoured
 * renderers show them: list items outside fenced code whose text starts with
 * `[ ]` or `[x]`. Items are numbered from 0 in document order — the order of
 * the checkboxes on screen — so a client can tick "the third box" by index.
 * A line scanner, checked against the web app's renderer (marked) by a
 * property test; it does not model HTML blocks or indented code.
 */
export interface TaskListItem {
  index: number;
  /** 0-based line number. */
  line: number;
  checked: boolean;
  text: string;
}

// Up to three spaces of indent (or any, inside a list), blockquote markers, a bullet or number, a box.
const itemPattern = /^((?:[ \t]*>)*[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+)\[([ xX])\](?=[ \t]+\S)/;
const fencePattern = /^(?:[ \t]*>)*[ \t]{0,3}(`{3,}|~{3,})(.*)$/;

interface Line {
  text: string;
  /** The line ending that followed it ('' for the last line). */
  eol: string;
}

function splitLines(markdown: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\n|\r/g;
  let start = 0;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    lines.push({ text: markdown.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  lines.push({ text: markdown.slice(start), eol: '' });
  return lines;
}

function scan(lines: readonly Line[]): { item: TaskListItem; prefix: string }[] {
  const found: { item: TaskListItem; prefix: string }[] = [];
  let fence: { char: string; length: number } | null = null;
  // What the previous line left open: a top-level paragraph cannot be
  // interrupted by an ordered list that does not start at 1 (CommonMark makes
  // it a lazy line); a list item's text can.
  let open: 'none' | 'paragraph' | 'list' = 'none';
  let blankSince = false;
  lines.forEach(({ text }, line) => {
    const f = fencePattern.exec(text);
    if (fence) {
      // A closing fence: the same character, at least as long, nothing after it.
      if (f && f[1]![0] === fence.char && f[1]!.length >= fence.length && f[2]!.trim() === '') {
        fence = null;
      }
      return;
    }
    // A backtick fence's info string may not contain a backtick (CommonMark).
    if (f && !(f[1]![0] === '`' && f[2]!.includes('`'))) {
      fence = { char: f[1]![0]!, length: f[1]!.length };
      open = 'none';
      return;
    }
    const before = open;
    const m = itemPattern.exec(text);
    if (text.trim() === '') {
      blankSince = true;
      if (open === 'paragraph') open = 'none';
      return;
    }
    if (m || /^[ \t]*(?:[-+*]|\d{1,9}[.)])([ \t]|$)/.test(text)) {
      open = 'list';
    } else if (/^[ \t]*>|^[ \t]{0,3}#{1,6}([ \t]|$)/.test(text)) {
      open = 'none';
    } else if (!(open === 'list' && (!blankSince || /^[ \t]/.test(text)))) {
      open = 'paragraph';
    }
    blankSince = false;
    if (!m) return;
    const number = /(\d+)[.)][ \t]+$/.exec(m[1]!);
    if (before === 'paragraph' && number && Number(number[1]) !== 1) {
      open = 'paragraph';
      return;
    }
    found.push({
      prefix: m[1]!,
      item: {
        index: found.length,
        line,
        checked: m[2] !== ' ',
        text: text.slice(m[0].length).trim(),
      },
    });
  });
  return found;
}

/** Every task-list item of a text, in order. */
export function taskListItems(markdown: string): TaskListItem[] {
  return scan(splitLines(markdown)).map((f) => f.item);
}

/**
 * The text with item `index` ticked (or unticked); everything else, line
 * endings included, unchanged. Setting, not toggling, so two people ticking
 * the same box at once agree.
 */
export function setTaskListItem(markdown: string, index: number, checked: boolean): string {
  const lines = splitLines(markdown);
  const found = scan(lines)[index];
  if (!found) {
    throw sbError('SB_ERR_NO_SUCH_TASK_ITEM', undefined, {
      index,
      items: taskListItems(markdown).length,
    });
  }
  const line = lines[found.item.line]!;
  const box = found.prefix.length;
  line.text = `${line.text.slice(0, box)}[${checked ? 'x' : ' '}]${line.text.slice(box + 3)}`;
  return lines.map((l) => l.text + l.eol).join('');
}
