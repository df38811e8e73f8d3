-- Covering indexes for collections filtered by access tags: counting and
-- skipping to a page then read the index alone instead of visiting every
-- row of the parent's collection.
DROP INDEX assets_by_view;
CREATE INDEX assets_by_view ON assets (service_view_id, seq, access_tags);
