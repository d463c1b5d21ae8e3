import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { renderMarkdown } from '../lib/markdown';

/**
 * Rendered, sanitised Markdown (lib/markdown.ts). With `onTick`, the
 * task-list boxes are live: ticking one calls it with the box's index in
 * document order — the index core's setTaskListItem and the API count by.
 * With `mentions` (lower-case usernames), `@name` of a member is marked up.
 */
export function MarkdownView({
  source,
  className = '',
  onTick,
  mentions,
}: {
  source: string;
  className?: string;
  onTick?: (index: number, checked: boolean) => void;
  mentions?: ReadonlySet<string>;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const html = useMemo(() => renderMarkdown(source), [source]);
  const tickable = onTick !== undefined;
  const onTickRef = useRef(onTick);
  onTickRef.current = onTick;
  // A native listener: React's onChange does not see inputs it did not render.
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const listener = (e: Event) => {
      const box = e.target as HTMLInputElement;
      const index = taskBoxes(root).indexOf(box);
      if (index >= 0) onTickRef.current?.(index, box.checked);
    };
    root.addEventListener('change', listener);
    return () => root.removeEventListener('change', listener);
  }, []);
  useLayoutEffect(() => {
    const root = ref.current;
    if (!root) return;
    taskBoxes(root).forEach((box, i) => {
      box.disabled = !tickable;
      const text = box.closest('li')?.textContent?.trim() ?? '';
      box.setAttribute('aria-label', text || `Item ${i + 1}`);
    });
    if (mentions && mentions.size > 0) markMentions(root, mentions);
  }, [html, tickable, mentions]);
  return (
    <div
      ref={ref}
      className={`markdown ${className}`}
      // Rendered by marked and sanitized by DOMPurify (lib/markdown.ts).
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}

/**
 * The boxes of task-list items, in document order: a check box that starts a
 * list item (marked puts it first in the <li>, or in its first <p> when the list
 * is loose). A check box written as raw HTML elsewhere is not one (core's
 * setTaskListItem would not count it) and stays read-only.
 */
function taskBoxes(root: HTMLElement): HTMLInputElement[] {
  return [...root.querySelectorAll<HTMLInputElement>('input.task-list-box')].filter((box) => {
    const parent = box.parentElement;
    const li = parent?.tagName === 'LI' ? parent : parent?.parentElement;
    if (li?.tagName !== 'LI') return false;
    if (parent !== li && (parent?.tagName !== 'P' || li.firstElementChild !== parent)) return false;
    return parent?.firstElementChild === box && !box.previousSibling?.textContent?.trim();
  });
}

const MENTION = /(^|[^\w@.])@([\w.-]{1,39})/g;

/** Wraps `@member` in text (not in code or links) in a span.mention. */
function markMentions(root: HTMLElement, members: ReadonlySet<string>): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (parent?.closest('code, pre, a, .mention')) continue;
    if (n.textContent?.includes('@')) nodes.push(n as Text);
  }
  for (const node of nodes) {
    const text = node.textContent ?? '';
    const parts: (string | HTMLElement)[] = [];
    let last = 0;
    for (const m of text.matchAll(MENTION)) {
      const name = (m[2] ?? '').replace(/[.-]+$/, '');
      if (!members.has(name.toLowerCase())) continue;
      const start = (m.index ?? 0) + (m[1] ?? '').length;
      parts.push(text.slice(last, start));
      const span = document.createElement('span');
      span.className = 'mention';
      span.textContent = `@${name}`;
      parts.push(span);
      last = start + name.length + 1;
    }
    if (parts.length === 0) continue;
    parts.push(text.slice(last));
    node.replaceWith(...parts);
  }
}
