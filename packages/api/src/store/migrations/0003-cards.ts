import { type Kysely, sql } from 'kysely';

/**
 * Cards a team works on together (issue 13): board labels and custom fields,
 * comments, checklists, archive and trash, dates with time zones. Counters on
 * tasks (comments, checklist items) are kept in the same transaction as the
 * rows they count, so the board payload reads them without aggregating.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE columns ADD COLUMN archived_at timestamptz;

    CREATE TABLE labels (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
      name text NOT NULL,
      color text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    );
    CREATE UNIQUE INDEX labels_board_name_key ON labels (board_id, lower(name));

    CREATE TABLE custom_fields (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
      name text NOT NULL,
      type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'single_select', 'checkbox')),
      -- single_select: [{id, name, color}]
      options jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    );
    CREATE UNIQUE INDEX custom_fields_board_name_key ON custom_fields (board_id, lower(name));

    ALTER TABLE tasks
      ADD COLUMN label_ids bigint[] NOT NULL DEFAULT '{}',
      -- The due date as entered; due_at is the instant it means (sorting, overdue).
      ADD COLUMN due_date date,
      ADD COLUMN due_time text,
      ADD COLUMN due_tz text,
      ADD COLUMN start_date date,
      ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}',
      ADD COLUMN comment_count integer NOT NULL DEFAULT 0,
      ADD COLUMN checklist_done integer NOT NULL DEFAULT 0,
      ADD COLUMN checklist_total integer NOT NULL DEFAULT 0,
      ADD COLUMN archived_at timestamptz,
      -- In the trash while deleted_at is set; purged at purge_at.
      ADD COLUMN deleted_at timestamptz,
      ADD COLUMN deleted_by bigint,
      ADD COLUMN purge_at timestamptz;
    CREATE INDEX tasks_board_trash ON tasks (board_id, deleted_at) WHERE deleted_at IS NOT NULL;

    -- Free-text labels become board labels, in first-seen order, colours in turn.
    INSERT INTO labels (board_id, name, color)
    SELECT board_id, name,
      (ARRAY['red','orange','yellow','green','teal','blue','purple','pink','gray'])[
        ((row_number() OVER (PARTITION BY board_id ORDER BY first_id, first_n) - 1) % 9) + 1]
    FROM (
      SELECT DISTINCT ON (t.board_id, lower(l.name)) t.board_id, l.name, t.id AS first_id, l.n AS first_n
      FROM tasks t, unnest(t.labels) WITH ORDINALITY AS l (name, n)
      ORDER BY t.board_id, lower(l.name), t.id, l.n
    ) AS found
    ORDER BY board_id, first_id, first_n;
    UPDATE tasks SET label_ids = ARRAY(
      SELECT lb.id FROM unnest(tasks.labels) WITH ORDINALITY AS u (name, n)
      JOIN labels lb ON lb.board_id = tasks.board_id AND lower(lb.name) = lower(u.name)
      GROUP BY lb.id ORDER BY min(u.n))
    WHERE labels <> '{}';
    ALTER TABLE tasks DROP COLUMN labels;

    UPDATE tasks SET due_date = (due_at AT TIME ZONE 'UTC')::date,
      due_time = to_char(due_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS')
    WHERE due_at IS NOT NULL;

    CREATE TABLE comments (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
      author_id bigint NOT NULL REFERENCES users (id),
      body text NOT NULL,
      mention_ids bigint[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      edited_at timestamptz,
      version integer NOT NULL DEFAULT 1
    );
    -- Pages of a card's thread, by id in either direction.
    CREATE INDEX comments_task_id ON comments (task_id, id);

    CREATE TABLE checklists (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
      title text NOT NULL,
      position text COLLATE "C" NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CONSTRAINT checklists_task_position_key UNIQUE (task_id, position)
    );

    CREATE TABLE checklist_items (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      checklist_id bigint NOT NULL REFERENCES checklists (id) ON DELETE CASCADE,
      task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
      title text NOT NULL,
      done boolean NOT NULL DEFAULT false,
      position text COLLATE "C" NOT NULL,
      done_by bigint,
      done_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CONSTRAINT checklist_items_checklist_position_key UNIQUE (checklist_id, position)
    );
    CREATE INDEX checklist_items_task_id ON checklist_items (task_id);

    -- The card an event is about (payload.task.id or payload.task_id), for card history.
    ALTER TABLE board_events ADD COLUMN task_id bigint
      GENERATED ALWAYS AS (COALESCE(payload #>> '{task,id}', payload ->> 'task_id')::bigint) STORED;
    CREATE INDEX board_events_task_id ON board_events (task_id, seq) WHERE task_id IS NOT NULL;
  `.execute(db);
}
