// Package analyst is the HTTP room of the chain's analysts: the analytics
// API answers each question of the analytics engine as JSON, CSV or Parquet
// to an API key of scope analytics. The server authenticates the key and
// hands it over; this package never sees a member session, and the engine
// never a member's rows.
package analyst

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
)

// API answers analytics queries over HTTP.
type API struct {
	Engine *analytics.Engine
}

// Of is the analyst a key stands for, with the key's privacy terms.
func Of(key *kori.APIKey, channel string) analytics.Analyst {
	return analytics.Analyst{Actor: kori.Actor{Channel: channel, Name: key.Name}, KeyID: key.ID,
		Epsilon: key.DPEpsilon, Budget: key.DPBudget}
}

// Formats lists the answer formats, ?format=….
var Formats = []string{"json", "csv", "parquet"}

// Ask parses the request's query parameters and answers them.
func (a *API) Ask(r *http.Request, key *kori.APIKey, kind analytics.Kind, channel string) (*analytics.Answer, error) {
	q, err := analytics.ParseQuery(kind, r.URL.Query(), a.Engine.Clock.Now(), a.Engine.Zone)
	if err != nil {
		return nil, err
	}
	return a.Engine.Ask(r.Context(), q, Of(key, channel))
}

// Serve answers one query in the format asked (?format=json, csv or
// parquet; JSON by default). The format is checked before the query runs,
// so that a mistyped format spends no privacy budget.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, key *kori.APIKey, kind analytics.Kind, channel string) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" && format != "parquet" {
		return kori.Errorf(kori.EINVALID, "format must be json, csv or parquet, not %q", format)
	}
	ans, err := a.Ask(r, key, kind, channel)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	name := strings.TrimSuffix(fmt.Sprintf("kori-%s-%s", kind, ans.Query.Dim), "-")
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return ans.Table().WriteCSV(w)
	case "parquet":
		w.Header().Set("Content-Type", "application/vnd.apache.parquet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.parquet"`)
		return ans.Table().WriteParquet(w)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(ans)
}
