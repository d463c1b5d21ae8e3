import { describe, expect, it } from 'vitest';
import { mentionedUsernames, resolveMentions } from '../src/index.js';

describe('mentions', () => {
  it('finds @usernames at word starts, not in e-mail addresses or code', () => {
    const text = [
      'Thanks @Alice and @bob.smith! Mail me at carol@example.com.',
      'See `@dave` and',
      '```',
      '@erin in a fence',
      '```',
      '(@frank_1) @alice again, @x is too short.',
    ].join('\n');
    expect(mentionedUsernames(text)).toEqual(['alice', 'bob.smith', 'frank_1']);
  });

  it('resolves to members only, each once, in order of first mention', () => {
    const members = [
      { user_id: 7, username: 'Bob.Smith' },
      { user_id: 3, username: 'alice' },
    ];
    expect(resolveMentions('@bob.smith, @ALICE, @bob.smith, @nobody', members)).toEqual([7, 3]);
  });
});
