/**
 * The SQLite schema, as an ordered list of migrations. A migration is applied once, in its own
 * transaction, and recorded in `schema_migrations`; never edit one that has shipped, add the next.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'restart_log',
    sql: `
      CREATE TABLE restart_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('restart', 'give_up', 'escalate')),
        actor TEXT NOT NULL,
        supervisor TEXT NOT NULL,
        strategy TEXT NOT NULL,
        error_name TEXT NOT NULL,
        error_message TEXT NOT NULL,
        error_stack TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        delay_ms INTEGER NOT NULL,
        restarted TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX restart_log_actor_at ON restart_log (actor, at);
      CREATE INDEX restart_log_at ON restart_log (at);
    `,
  },
  {
    version: 2,
    name: 'papers',
    // `seq` is the integer rowid FTS5 external content needs; `id` (the natural id) is what
    // everything else joins on. paper_versions keeps every version's record, papers the latest.
    // The link tables are small rows read by their key: WITHOUT ROWID keeps one b-tree, not two.
    sql: `
      CREATE TABLE papers (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL CHECK (version >= 1),
        title TEXT NOT NULL,
        abstract TEXT NOT NULL,
        body TEXT,
        authors TEXT NOT NULL DEFAULT '[]',
        categories TEXT NOT NULL DEFAULT '[]',
        primary_category TEXT,
        published TEXT,
        updated TEXT,
        comment TEXT,
        journal_ref TEXT,
        doi TEXT,
        license TEXT,
        pdf_url TEXT,
        source TEXT NOT NULL,
        has_code INTEGER NOT NULL DEFAULT 0,
        pdf_sha256 TEXT,
        pdf_status TEXT NOT NULL DEFAULT 'pending' CHECK (pdf_status IN ('pending', 'stored', 'failed', 'skipped')),
        pdf_error TEXT,
        text_status TEXT NOT NULL DEFAULT 'none' CHECK (text_status IN ('none', 'extracted', 'needs_ocr')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX papers_published ON papers (published);

      CREATE TABLE paper_versions (
        paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        raw TEXT NOT NULL,
        -- Virtual: read from the record when asked, so the history costs one copy of the text, not three.
        title TEXT GENERATED ALWAYS AS (raw ->> '$.title') VIRTUAL,
        abstract TEXT GENERATED ALWAYS AS (raw ->> '$.abstract') VIRTUAL,
        updated TEXT GENERATED ALWAYS AS (raw ->> '$.updated') VIRTUAL,
        PRIMARY KEY (paper_id, version)
      );

      -- Authors are keyed by their normalised name itself: one B-tree, and linking a paper to its
      -- authors needs no lookup (the link is the biggest per-paper cost of a bulk import).
      CREATE TABLE authors (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE paper_authors (
        paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        author_key TEXT NOT NULL REFERENCES authors (key),
        affiliations TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (paper_id, position)
      ) WITHOUT ROWID;
      CREATE INDEX paper_authors_author ON paper_authors (author_key);

      CREATE TABLE paper_categories (
        paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        category TEXT NOT NULL,
        is_primary INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (paper_id, category)
      ) WITHOUT ROWID;
      CREATE INDEX paper_categories_category ON paper_categories (category, paper_id);
    `,
  },
  {
    version: 3,
    name: 'papers_fts',
    // External content: the text lives once, in papers. The triggers feed FTS5 the old values
    // through the 'delete' command, which must match what was indexed, so papers rows are never
    // REPLACEd (REPLACE skips delete triggers unless recursive_triggers is on).
    sql: `
      CREATE VIRTUAL TABLE papers_fts USING fts5(
        title, abstract, body,
        content = 'papers', content_rowid = 'seq',
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
        INSERT INTO papers_fts (rowid, title, abstract, body) VALUES (new.seq, new.title, new.abstract, new.body);
      END;
      CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
        INSERT INTO papers_fts (papers_fts, rowid, title, abstract, body) VALUES ('delete', old.seq, old.title, old.abstract, old.body);
      END;
      CREATE TRIGGER papers_fts_update AFTER UPDATE ON papers
      WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract OR old.body IS NOT new.body OR old.seq IS NOT new.seq
      BEGIN
        INSERT INTO papers_fts (papers_fts, rowid, title, abstract, body) VALUES ('delete', old.seq, old.title, old.abstract, old.body);
        INSERT INTO papers_fts (rowid, title, abstract, body) VALUES (new.seq, new.title, new.abstract, new.body);
      END;
    `,
  },
  {
    version: 4,
    name: 'jobs',
    // The journal. not_before starts at the accept time, so (priority, not_before, id) is
    // "most urgent, then due longest, then oldest", and the claim index serves that order for
    // each kind: every pipeline stage claims only its own. Few indexes: each is paid for on every
    // state change of every job.
    sql: `
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        dedup_key TEXT NOT NULL UNIQUE,
        priority INTEGER NOT NULL CHECK (priority IN (0, 1, 2)),
        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until INTEGER,
        not_before INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- Payloads apart: a job's row is rewritten at every state change, its payload never.
      CREATE TABLE job_payloads (
        job_id INTEGER PRIMARY KEY,
        payload TEXT NOT NULL
      );
      CREATE INDEX jobs_claim ON jobs (kind, state, priority, not_before, id);
      CREATE INDEX jobs_lease ON jobs (kind, state, lease_until);
      CREATE INDEX jobs_owner ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'outbox',
    // AUTOINCREMENT: consumers keep a cursor on seq, so a seq must never be reused after pruning.
    sql: `
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        paper_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'paper_chunks',
    // The full text cut into the pieces its vectors are made from (LanceDB table `chunks`, one
    // row per chunk, id `<paper>#<index>`), replaced whole when a new text is extracted.
    sql: `
      CREATE TABLE paper_chunks (
        paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (paper_id, idx)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: 'api_keys',
    // Only a hash of each key's secret is kept; the key itself is shown once, when made.
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        secret_sha256 TEXT NOT NULL,
        scopes TEXT NOT NULL,
        label TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      );
    `,
  },
  {
    version: 8,
    name: 'paper_enrichments',
    // One enrichment per paper: the latest, for the version it was made from. `result` holds JSON
    // validated against the enrichment schema before it is written. The partial index serves the
    // redo queue: fallback results, oldest first, for when an LLM is back.
    sql: `
      CREATE TABLE paper_enrichments (
        paper_id TEXT PRIMARY KEY REFERENCES papers (id) ON DELETE CASCADE,
        version INTEGER NOT NULL CHECK (version >= 1),
        producer TEXT NOT NULL CHECK (producer IN ('llm', 'fallback')),
        model TEXT,
        endpoint TEXT,
        result TEXT NOT NULL CHECK (json_valid(result)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX paper_enrichments_redo ON paper_enrichments (updated_at, paper_id) WHERE producer = 'fallback';
    `,
  },
  {
    version: 9,
    name: 'knowledge_graph',
    // Entities by `<kind>:<key>`; attrs is a JSON object merged (json_patch) over earlier values.
    // Edges carry their provenance in the key, so replaying a source's facts rewrites the same
    // rows and two sources saying the same thing are two rows. Edges are small and read by key
    // prefix: WITHOUT ROWID keeps them in one b-tree, clustered by (from_id, kind), so the
    // out-neighbours of a node are one range scan. The reverse index holds every column a
    // neighbour query reads (the key's columns ride along in a WITHOUT ROWID index), so the
    // in-neighbours are one range scan too, never a lookup per row. Entities keep a rowid: their
    // attrs can outgrow what a WITHOUT ROWID row should hold.
    sql: `
      CREATE TABLE graph_entities (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        name TEXT,
        attrs TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attrs)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX graph_entities_kind ON graph_entities (kind, id);
      CREATE TABLE graph_edges (
        from_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        to_id TEXT NOT NULL,
        source TEXT NOT NULL,
        weight REAL NOT NULL DEFAULT 1,
        at INTEGER NOT NULL,
        PRIMARY KEY (from_id, kind, to_id, source)
      ) WITHOUT ROWID;
      CREATE INDEX graph_edges_in ON graph_edges (to_id, kind, from_id, source, weight, at);
    `,
  },
  {
    version: 10,
    name: 'papers_has_code_from_graph',
    // Search's "has code" filter reads papers.has_code; whatever source links a paper to code
    // (enrichment, Hugging Face, a webhook) does so with a has_code edge, so the edge sets it.
    sql: `
      CREATE TRIGGER graph_edges_has_code AFTER INSERT ON graph_edges
      WHEN new.kind = 'has_code' AND new.from_id LIKE 'paper:%'
      BEGIN
        UPDATE papers SET has_code = 1 WHERE id = substr(new.from_id, 7) AND has_code = 0;
      END;
      UPDATE papers SET has_code = 1
      WHERE has_code = 0 AND id IN (SELECT substr(from_id, 7) FROM graph_edges WHERE kind = 'has_code' AND from_id LIKE 'paper:%');
    `,
  },
  {
    version: 13,
    name: 'graph_attribute_times_and_centrality',
    // attrs_at holds, per attribute, when the source that set it said so: a delivery that arrives
    // late with older news (a star count GitHub sent before the poller's newer one) does not
    // overwrite what is newer. graph_centrality holds PageRank, recomputed offline, and the same
    // scaled to [0, 1] on a log scale (centrality), which search ranking reads for a handful of
    // candidates at a time.
    sql: `
      ALTER TABLE graph_entities ADD COLUMN attrs_at TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attrs_at));
      CREATE TABLE graph_centrality (
        entity_id TEXT PRIMARY KEY,
        pagerank REAL NOT NULL,
        centrality REAL NOT NULL CHECK (centrality BETWEEN 0 AND 1),
        computed_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 11,
    name: 'offline_scheduler',
    // The offline scheduler's durable state: per class (and '*' for all offline work) whether it
    // is paused, its resumable cursor, and its totals; backfill requests; one GPU lease per node.
    sql: `
      CREATE TABLE offline_classes (
        name TEXT PRIMARY KEY,
        paused INTEGER NOT NULL DEFAULT 0,
        cursor TEXT CHECK (cursor IS NULL OR json_valid(cursor)),
        done INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE offline_backfills (
        id INTEGER PRIMARY KEY,
        scope_key TEXT NOT NULL UNIQUE,
        from_day TEXT NOT NULL,
        until_day TEXT NOT NULL,
        oai_set TEXT,
        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE gpu_leases (
        node TEXT PRIMARY KEY,
        holder TEXT,
        until INTEGER
      );
    `,
  },
  {
    version: 17,
    name: 'alerts',
    // One row per alert rule and subject: its state survives a restart, so nothing is announced twice.
    sql: `
      CREATE TABLE alerts (
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
        state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
        summary TEXT NOT NULL,
        message TEXT NOT NULL,
        value REAL,
        firing_since INTEGER NOT NULL,
        resolved_at INTEGER,
        last_evaluated_at INTEGER NOT NULL,
        node TEXT NOT NULL,
        PRIMARY KEY (rule, subject)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 15,
    name: 'sandbox_runs',
    // One row per sandbox run (and per attempt of an ask): what ran, and what came back. Files
    // are blobs named in `result`; `question` groups the attempts of one ask.
    sql: `
      CREATE TABLE sandbox_runs (
        id TEXT PRIMARY KEY,
        language TEXT NOT NULL CHECK (language IN ('python', 'javascript')),
        code TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
        result TEXT CHECK (result IS NULL OR json_valid(result)),
        error TEXT,
        ask_id TEXT,
        key_id TEXT,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX sandbox_runs_created ON sandbox_runs (created_at);
      CREATE INDEX sandbox_runs_ask ON sandbox_runs (ask_id) WHERE ask_id IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'ocr_failures',
    // Papers whose scanned PDF OCR could not read: kept out of the OCR queue until their PDF changes.
    sql: `
      CREATE TABLE ocr_failures (
        paper_id TEXT PRIMARY KEY,
        pdf_sha256 TEXT NOT NULL,
        error TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX papers_needs_ocr ON papers (seq) WHERE text_status = 'needs_ocr';
    `,
  },
  {
    version: 14,
    name: 'papers_count_indexes',
    // GET /v1/stats counts papers with code and with full text: without these, each count read the
    // whole papers table (a second apiece at a million papers, on the node's event loop). Partial
    // indexes hold only the matching rows, so the counts read only those.
    sql: `
      CREATE INDEX papers_with_code ON papers (seq) WHERE has_code <> 0;
      CREATE INDEX papers_with_full_text ON papers (seq) WHERE text_status = 'extracted';
    `,
  },
  {
    version: 18,
    name: 'jobs_open',
    // Every claim first fails the leased jobs that ran out of attempts: without an index on leased
    // jobs by lease end that was a scan of the whole jobs table (45 ms at 300,000 jobs) on every
    // claim of every stage. The alerts count open jobs every evaluation, the same scan.
    sql: `
      CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'leased';
      CREATE INDEX jobs_queued ON jobs (not_before) WHERE state = 'queued';
    `,
  },  {
    version: 19,
    name: 'store_counts',
    // GET /v1/stats served counts of papers, versions, authors and jobs by state. Counted, they
    // scanned an index apiece: about 120 ms of CPU warm at a million papers and 3 s of reads cold,
    // which also pushed the pages searches read out of the page cache, every time a dashboard
    // polled. Triggers keep each count in the same transaction as the rows, so reading one is a
    // key lookup. Rows are never REPLACEd (see papers_fts), and foreign-key cascades fire triggers,
    // so every insert, delete and state change passes through here.
    sql: `
      CREATE TABLE store_counts (
        name TEXT PRIMARY KEY,
        n INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO store_counts (name, n) VALUES
        ('papers', (SELECT count(*) FROM papers)),
        ('papers_with_code', (SELECT count(*) FROM papers WHERE has_code <> 0)),
        ('papers_with_full_text', (SELECT count(*) FROM papers WHERE text_status = 'extracted')),
        ('paper_versions', (SELECT count(*) FROM paper_versions)),
        ('authors', (SELECT count(*) FROM authors)),
        ('jobs:queued', (SELECT count(*) FROM jobs WHERE state = 'queued')),
        ('jobs:leased', (SELECT count(*) FROM jobs WHERE state = 'leased')),
        ('jobs:done', (SELECT count(*) FROM jobs WHERE state = 'done')),
        ('jobs:failed', (SELECT count(*) FROM jobs WHERE state = 'failed'));

      CREATE TRIGGER store_counts_papers_insert AFTER INSERT ON papers BEGIN
        UPDATE store_counts SET n = n + 1 WHERE name = 'papers';
        UPDATE store_counts SET n = n + 1 WHERE name = 'papers_with_code' AND new.has_code <> 0;
        UPDATE store_counts SET n = n + 1 WHERE name = 'papers_with_full_text' AND new.text_status = 'extracted';
      END;
      CREATE TRIGGER store_counts_papers_delete AFTER DELETE ON papers BEGIN
        UPDATE store_counts SET n = n - 1 WHERE name = 'papers';
        UPDATE store_counts SET n = n - 1 WHERE name = 'papers_with_code' AND old.has_code <> 0;
        UPDATE store_counts SET n = n - 1 WHERE name = 'papers_with_full_text' AND old.text_status = 'extracted';
      END;
      CREATE TRIGGER store_counts_papers_update AFTER UPDATE OF has_code, text_status ON papers
      WHEN (old.has_code <> 0) IS NOT (new.has_code <> 0) OR (old.text_status = 'extracted') IS NOT (new.text_status = 'extracted')
      BEGIN
        UPDATE store_counts SET n = n + (new.has_code <> 0) - (old.has_code <> 0) WHERE name = 'papers_with_code';
        UPDATE store_counts SET n = n + (new.text_status = 'extracted') - (old.text_status = 'extracted') WHERE name = 'papers_with_full_text';
      END;
      CREATE TRIGGER store_counts_versions_insert AFTER INSERT ON paper_versions BEGIN
        UPDATE store_counts SET n = n + 1 WHERE name = 'paper_versions';
      END;
      CREATE TRIGGER store_counts_versions_delete AFTER DELETE ON paper_versions BEGIN
        UPDATE store_counts SET n = n - 1 WHERE name = 'paper_versions';
      END;
      CREATE TRIGGER store_counts_authors_insert AFTER INSERT ON authors BEGIN
        UPDATE store_counts SET n = n + 1 WHERE name = 'authors';
      END;
      CREATE TRIGGER store_counts_authors_delete AFTER DELETE ON authors BEGIN
        UPDATE store_counts SET n = n - 1 WHERE name = 'authors';
      END;
      CREATE TRIGGER store_counts_jobs_insert AFTER INSERT ON jobs BEGIN
        UPDATE store_counts SET n = n + 1 WHERE name = 'jobs:' || new.state;
      END;
      CREATE TRIGGER store_counts_jobs_delete AFTER DELETE ON jobs BEGIN
        UPDATE store_counts SET n = n - 1 WHERE name = 'jobs:' || old.state;
      END;
      CREATE TRIGGER store_counts_jobs_state AFTER UPDATE OF state ON jobs WHEN old.state IS NOT new.state BEGIN
        UPDATE store_counts SET n = n - 1 WHERE name = 'jobs:' || old.state;
        UPDATE store_counts SET n = n + 1 WHERE name = 'jobs:' || new.state;
      END;
    `,
  },
  {
    version: 20,
    name: 'job_counts',
    // /metrics and the node's status counted jobs by kind, state and priority with a GROUP BY at
    // every scrape, on the event loop's connection: at 500,000 jobs 29–114 ms a query, during which
    // no search is answered, and it grows with the journal. Triggers keep the counts beside the
    // rows, as store_counts does for states alone; a count that falls to 0 keeps its row.
    sql: `
      CREATE TABLE job_counts (
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        priority INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (kind, state, priority)
      ) WITHOUT ROWID;
      INSERT INTO job_counts (kind, state, priority, n) SELECT kind, state, priority, count(*) FROM jobs GROUP BY kind, state, priority;

      CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
        INSERT INTO job_counts (kind, state, priority, n) VALUES (new.kind, new.state, new.priority, 1)
          ON CONFLICT (kind, state, priority) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
        UPDATE job_counts SET n = n - 1 WHERE kind = old.kind AND state = old.state AND priority = old.priority;
      END;
      CREATE TRIGGER job_counts_update AFTER UPDATE OF kind, state, priority ON jobs
      WHEN old.kind IS NOT new.kind OR old.state IS NOT new.state OR old.priority IS NOT new.priority
      BEGIN
        UPDATE job_counts SET n = n - 1 WHERE kind = old.kind AND state = old.state AND priority = old.priority;
        INSERT INTO job_counts (kind, state, priority, n) VALUES (new.kind, new.state, new.priority, 1)
          ON CONFLICT (kind, state, priority) DO UPDATE SET n = n + 1;
      END;
    `,
  },
];
