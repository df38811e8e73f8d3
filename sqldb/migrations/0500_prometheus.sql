-- Service views whose current measurement values are exported on /metrics
-- (issue 4, item 5: opt-in per service view). A row means "enabled";
-- deleting the view removes it.
CREATE TABLE prometheus_views (
    service_view_id TEXT NOT NULL PRIMARY KEY REFERENCES service_views (id) ON DELETE CASCADE
);
