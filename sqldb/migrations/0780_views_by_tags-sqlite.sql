-- Service views by access-tag set (SQLite): List's visibility filter groups
-- a collection by tag set (sqldb/ctp_list.go visibleSets) and stops after
-- maxTagSets sets; at the top of the tree, where every provider's views
-- carry their own set, this index lets the grouping stop early instead of
-- sorting every view first. Children already have (parent, access_tags)
-- indexes (0400).
CREATE INDEX service_views_by_tags ON service_views (access_tags);
