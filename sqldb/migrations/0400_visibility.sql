-- Collections filtered by access tags group their rows by tag set
-- (sqldb/ctp_list.go visibleSets): these indexes make that an index-only scan.
CREATE INDEX assets_by_view_tags ON assets (service_view_id, access_tags);
CREATE INDEX attributes_by_asset_tags ON attributes (asset_id, access_tags);
CREATE INDEX measurements_by_attribute_tags ON measurements (attribute_id, access_tags);
CREATE INDEX triggers_by_view_tags ON triggers (service_view_id, access_tags);
