package ingest

// Exported for the differential fuzz test only.
var (
	ParseFast    = parseFast
	ParseJSONStd = parseJSONStd
)
