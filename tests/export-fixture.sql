-- export-fixture.sql - a project for the export tests: two runs (an
-- import, then a mining run), labels by people (one relabelled, one
-- undone, a dropped passage, a dropped query), verdicts of a cascade fit,
-- a judged non-relevant candidate, texts that need quoting, Arabic.
--
--  q1 alpha  run 1: n1 n2 n3 n4; run 2 (newest): n2 n3 n5 kept, n6 filtered
--            people: n2 tn then fn, n3 tn, n5 drop_passage, n4 fn undone
--            cascade: n1 fn (not in run 2), n3 fn (people say tn)
--  q2 beta   run 2: n7 fn, n8 tn, n9 review, n10 none, n11 judged 0 + fn
--  q3 gamma  dropped by a person
--  q4 delta  run 1 only: n12 n13
--  q5 eps    no judged positive; run 2: n14 fn by people, n15
--  q6        known by id only
BEGIN;
INSERT INTO source(id, path, format, created_at) VALUES
 (1, 'fixture', 'test', '2026-01-01T00:00:00Z');
INSERT INTO run(id, source_id, method, created_at) VALUES
 (1, 1, 'import', '2026-01-01T00:00:00Z'),
 (2, NULL, 'dense', '2026-01-02T00:00:00Z');
INSERT INTO query(id, xid, text, prompt, type, source_id) VALUES
 (1, 'q1', 'alpha query', 'Represent this: ', 'normal', 1),
 (2, 'q2', 'beta query', NULL, NULL, 1),
 (3, 'q3', 'gamma query', NULL, NULL, 1),
 (4, 'q4', 'delta query', NULL, NULL, 1),
 (5, 'q5', 'ما هو الطقس', NULL, NULL, 1),
 (6, 'q6', NULL, NULL, NULL, 1);
INSERT INTO passage(id, hash, title, text, source_id) VALUES
 (1, 1, '', 'p1 the alpha positive', 1),
 (2, 2, 'Beta', 'p2 the beta positive', 1),
 (3, 3, '', 'p3 the delta positive', 1),
 (11, 11, '', 'n1 alpha from run one', 1),
 (12, 12, '', 'n2 alpha, "quoted", relabelled', 1),
 (13, 13, '', 'n3 alpha negative', 1),
 (14, 14, '', 'n4 alpha undone', 1),
 (15, 15, '', 'n5 alpha dropped passage', 1),
 (16, 16, '', 'n6 alpha filtered', 1),
 (17, 17, '', 'n7 beta flagged by the cascade', 1),
 (18, 18, '', 'n8 beta "kept",' || char(9) || 'tab' || char(10) || 'line two', 1),
 (19, 19, '', 'n9 beta for review', 1),
 (20, 20, '', 'n10 beta undecided', 1),
 (21, 21, '', 'n11 beta judged non-relevant', 1),
 (22, 22, '', 'n12 delta one', 1),
 (23, 23, '', 'n13 delta two', 1),
 (24, 24, '', 'الطقس في القاهرة حار', 1),
 (25, 25, '', 'الطقس في الإسكندرية', 1);
INSERT INTO passage_xid(xid, passage_id) VALUES
 ('p1', 1), ('p2', 2), ('p3', 3), ('n1', 11), ('n2', 12), ('n3', 13),
 ('n4', 14), ('n5', 15), ('n6', 16), ('n7', 17), ('n8', 18), ('n9', 19),
 ('n10', 20), ('n11', 21), ('n12', 22), ('n13', 23), ('n14', 24);
INSERT INTO qrel(query_id, passage_id, grade, score, source_id) VALUES
 (1, 1, 1, 0.9, 1), (2, 2, 2, NULL, 1), (4, 3, 1, 0.7, 1),
 (2, 21, 0, NULL, 1);
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter, flag)
VALUES
 (1, 1, 11, 1, 0.8, NULL, NULL), (1, 1, 12, 2, 0.7, NULL, NULL),
 (1, 1, 13, 3, 0.6, NULL, NULL), (1, 1, 14, 4, 0.5, NULL, NULL),
 (2, 1, 12, 1, 0.75, NULL, NULL), (2, 1, 13, 2, 0.65, NULL, 'near_duplicate'),
 (2, 1, 15, 3, 0.55, NULL, NULL), (2, 1, 16, 4, 0.45, 'rank', NULL),
 (2, 2, 17, 1, 0.9, NULL, NULL), (2, 2, 18, 2, 0.8, NULL, NULL),
 (2, 2, 19, 3, 0.7, NULL, NULL), (2, 2, 20, 4, 0.6, NULL, NULL),
 (2, 2, 21, 5, 0.5, NULL, NULL),
 (2, 3, 11, 1, 0.5, NULL, NULL),
 (1, 4, 22, 1, 0.4, NULL, NULL), (1, 4, 23, 2, 0.3, NULL, NULL),
 (2, 5, 24, 1, 0.6, NULL, NULL), (2, 5, 25, 2, 0.2, NULL, NULL);
INSERT INTO run_positive(run_id, query_id, passage_id, score) VALUES
 (2, 1, 1, 0.85), (2, 2, 2, 0.95);
INSERT INTO annotator(id, name, created_at) VALUES
 (1, 'ann', '2026-01-03T00:00:00Z'), (2, 'bob', '2026-01-03T00:00:00Z');
INSERT INTO decision(id, query_id, passage_id, annotator_id, action, undoes,
 at) VALUES
 (1, 1, 12, 1, 'tn', NULL, '2026-01-03T00:00:01Z'),
 (2, 1, 12, 2, 'fn', NULL, '2026-01-03T00:00:02Z'),
 (3, 1, 13, 1, 'tn', NULL, '2026-01-03T00:00:03Z'),
 (4, 1, 15, 1, 'drop_passage', NULL, '2026-01-03T00:00:04Z'),
 (5, 1, 14, 1, 'fn', NULL, '2026-01-03T00:00:05Z'),
 (6, 1, 14, 1, 'undo', 5, '2026-01-03T00:00:06Z'),
 (7, 3, NULL, 1, 'drop_query', NULL, '2026-01-03T00:00:07Z'),
 (8, 5, 24, 1, 'fn', NULL, '2026-01-03T00:00:08Z'),
 (9, 2, 19, 1, 'skip', NULL, '2026-01-03T00:00:09Z');
INSERT INTO cascade_fit(id, created_at, origin, stages, thresholds) VALUES
 (1, '2026-01-04T00:00:00Z', 'cascade', '[]', '{}'),
 (2, '2026-01-05T00:00:00Z', 'fit', '[]', '{}');
INSERT INTO item_auto(query_id, passage_id, verdict, stage, score, pfn,
 fit_id) VALUES
 (1, 11, 'fn', 'judge', 0.9, 0.95, 2), (1, 13, 'fn', 'judge', 0.8, 0.9, 2),
 (2, 17, 'fn', 'judge', 0.9, 0.97, 2), (2, 18, 'tn', 'score', 0.1, 0.01, 2),
 (2, 19, 'review', NULL, 0.5, 0.5, 2), (2, 21, 'fn', 'judge', 0.9, 0.9, 2);
COMMIT;
