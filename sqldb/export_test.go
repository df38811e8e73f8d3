package sqldb

// SetRegistryRefreshRows sets how many rows s refreshes per transaction
// (tests cross the batch boundary with few entries).
func SetRegistryRefreshRows(s *RegistryStore, n int) { s.refreshRows = n }
