package store

// Internals the external tests check against the database's catalogue.
var (
	Partitioned      = partitioned
	RetentionStaging = retentionStaging
)
