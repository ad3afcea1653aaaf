package store

// Internals the external tests check against the database's catalogue.
var (
	Partitioned      = partitioned
	RetentionStaging = retentionStaging
)

// SetBeforeNewMonths makes fn run between writeRollups' check of which
// months are new and its writing them.
func SetBeforeNewMonths(db *DB, fn func()) { db.beforeNewMonths = fn }

// SetBeforeNewReceipts makes fn run between copyNewReceipts' lookup of the
// receipts held and its writing the others.
func SetBeforeNewReceipts(db *DB, fn func()) { db.beforeNewReceipts = fn }
