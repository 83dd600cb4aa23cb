-- review-fixture.sql - a small project for the review tests: four queries
-- with kept candidates (English, Japanese, Arabic, a 100k-character
-- passage), a filtered candidate, positives with scores.
BEGIN;
INSERT INTO source(id, path, format, created_at) VALUES (1, 'fixture', 'test', '2026-01-01T00:00:00Z');
INSERT INTO run(id, source_id, method, created_at) VALUES (1, 1, 'import', '2026-01-01T00:00:00Z');
INSERT INTO query(id, xid, text, source_id) VALUES
 (1, 'q1', 'what is the tmux terminal multiplexer', 1),
 (2, 'q2', '東京の天気予報', 1),
 (3, 'q3', 'ما هو الطقس في القاهرة', 1),
 (4, 'q4', 'a very long passage about lorem', 1),
 (5, 'q5', 'a query without candidates', 1);
INSERT INTO passage(id, hash, title, text, source_id) VALUES
 (1, 1, 'tmux', 'tmux is a terminal multiplexer: it lets you switch between programs in one terminal.', 1),
 (2, 2, '', 'screen is a full-screen window manager that multiplexes a physical terminal.', 1),
 (3, 3, '', 'byobu is a text-based window manager and terminal multiplexer built on tmux.', 1),
 (4, 4, '', 'vim is a highly configurable text editor.', 1),
 (5, 5, '', 'filtered duplicate of the positive', 1),
 (6, 6, '', '東京の天気は晴れのち曇り、最高気温は二十度です。', 1),
 (7, 7, '', '大阪の天気は雨です。傘を持って行きましょう。', 1),
 (8, 8, '', 'الطقس في القاهرة حار ومشمس اليوم', 1),
 (9, 9, '', 'الطقس في الإسكندرية معتدل', 1),
 (10, 10, '', 'lorem ipsum', 1),
 (11, 11, '', 'a short lorem candidate', 1),
 (12, 12, '', '東京の天気予報：晴れ', 1);
UPDATE passage SET text = substr(replace(hex(zeroblob(50000)), '00', 'lorem '), 1, 100000) || 'THE-END' WHERE id = 10;
INSERT INTO passage_xid(xid, passage_id) SELECT 'p' || id, id FROM passage;
INSERT INTO qrel(query_id, passage_id, grade, score, source_id) VALUES
 (1, 1, 1, 0.9, 1), (2, 12, 1, 0.8, 1), (3, 8, 1, NULL, 1);
INSERT INTO candidate(run_id, query_id, passage_id, rank, score, filter) VALUES
 (1, 1, 2, 1, 0.8, NULL), (1, 1, 3, 2, 0.7, NULL), (1, 1, 4, 3, 0.6, NULL),
 (1, 1, 5, 4, 0.95, 'duplicate'),
 (1, 2, 6, 1, 0.75, NULL), (1, 2, 7, 2, 0.5, NULL),
 (1, 3, 9, 1, 0.4, NULL),
 (1, 4, 10, 1, 0.3, NULL), (1, 4, 11, 2, 0.2, NULL);
INSERT INTO passage_fts(passage_fts) VALUES ('rebuild');
INSERT INTO query_fts(query_fts) VALUES ('rebuild');
COMMIT;
