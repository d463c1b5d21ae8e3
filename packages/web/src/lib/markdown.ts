import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: true, async: false });

/** The only attributes a task-list check box keeps. */
const CHECKBOX_ATTRIBUTES = new Set(['type', 'checked', 'disabled']);

let purifier: Purifier | null = null;

/**
 * A sanitizer of our own (not DOMPurify's shared instance), made on first use:
 * no scripts, handlers, styles, forms or frames; links open in a new tab and
 * cannot reach back into the app; the only input kept is a task list's check
 * box, read-only.
 */
function sanitizer(): Purifier {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  p.addHook('uponSanitizeElement', (node, data) => {
    // A task list's `[ ]` is an <input type="checkbox">; any other input goes.
    if (data.tagName === 'input' && (node as Element).getAttribute('type') !== 'checkbox') {
      node.parentNode?.removeChild(node);
    }
  });
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.getAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    if (node.tagName === 'INPUT') {
      for (const { name } of [...node.attributes]) {
        if (!CHECKBOX_ATTRIBUTES.has(name)) node.removeAttribute(name);
      }
      // Read-only until ticking a box edits the description.
      node.setAttribute('disabled', '');
      node.setAttribute('class', 'task-list-box');
    }
  });
  purifier = p;
  return p;
}

/** Markdown → HTML that is safe to inject (scripts, handlers, javascript: URLs removed). */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string;
  return sanitizer().sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'button', 'iframe', 'select', 'textarea'],
    FORBID_ATTR: ['style'],
  });
}
