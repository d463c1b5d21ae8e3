import fc from 'fast-check';
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { CodedError, setTaskListItem, taskListItems } from '../src/index.js';

/** The checkboxes marked (the web app's renderer, GFM) shows, in order. */
function renderedBoxes(markdown: string): boolean[] {
  const boxes: boolean[] = [];
  const walk = (tokens: Token[]) => {
    for (const token of tokens) {
      if (token.type === 'list') {
        for (const item of (token as Tokens.List).items) {
          if (item.task) boxes.push(item.checked === true);
          walk(item.tokens);
        }
      } else if ('tokens' in token && Array.isArray(token.tokens)) {
        walk(token.tokens);
      }
    }
  };
  walk(marked.lexer(markdown, { gfm: true }));
  return boxes;
}

describe('Markdown task lists', () => {
  const text = [
    'Steps:',
    '- [ ] write the test',
    '- [x] make it fail',
    '  - [ ] nested',
    '',
    '```',
    '- [ ] not an item (code)',
    '```',
    '1. [X] numbered',
    '> - [ ] quoted',
    '* [ ]no space is not an item',
  ].join('\n');

  it('finds items in document order, skipping code', () => {
    expect(taskListItems(text).map((i) => [i.line, i.checked, i.text])).toEqual([
      [1, false, 'write the test'],
      [2, true, 'make it fail'],
      [3, false, 'nested'],
      [8, true, 'numbered'],
      [9, false, 'quoted'],
    ]);
    expect(taskListItems(text).map((i) => i.checked)).toEqual(renderedBoxes(text));
  });

  it('sets the n-th item and leaves every other byte alone', () => {
    const crlf = text.replace(/\n/g, '\r\n');
    const ticked = setTaskListItem(crlf, 2, true);
    expect(ticked).toBe(crlf.replace('  - [ ] nested', '  - [x] nested'));
    expect(setTaskListItem(ticked, 2, true)).toBe(ticked);
    expect(setTaskListItem(ticked, 3, false)).toContain('1. [ ] numbered');
  });

  it('refuses an index with no item', () => {
    expect(() => setTaskListItem(text, 5, true)).toThrowError(CodedError);
    try {
      setTaskListItem('no list', 0, true);
    } catch (err) {
      expect((err as CodedError).code).toBe('SB_ERR_NO_SUCH_TASK_ITEM');
      expect((err as CodedError).status).toBe(422);
    }
  });

  it('agrees with the renderer on generated documents', () => {
    const line = fc.oneof(
      fc.constantFrom(
        '- [ ] a',
        '- [x] b',
        '* [X] c',
        '+ [ ] d',
        '1. [ ] e',
        '2) [x] f',
        '  - [ ] g',
        '- [ ]',
        '- [] h',
        '- [ ]x',
        '-[ ] i',
        '> - [x] j',
        '```',
        '~~~',
        '```js',
        '',
        'text',
        '# heading',
        '- plain item',
      ),
      // Plain words: HTML blocks and indented code are outside what the scanner models.
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,!?]{0,8}$/),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const doc = lines.join('\n');
        const boxes = renderedBoxes(doc);
        expect(taskListItems(doc).map((i) => i.checked)).toEqual(boxes);
        for (let i = 0; i < boxes.length; i++) {
          const flipped = setTaskListItem(doc, i, !boxes[i]);
          const expected = [...boxes];
          expected[i] = !boxes[i];
          expect(renderedBoxes(flipped)).toEqual(expected);
        }
      }),
      { numRuns: 500 },
    );
  });
});
