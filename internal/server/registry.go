package server

import (
	"io"
	"mime"
	"net/http"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
)

// The chain's systems keep Kori's registry current through the API, in the
// same file formats `kori import` reads: product groups, stores, the product
// catalogue and campaigns with a key of scope catalogue, the card ↔ member
// registry with a key of scope members. A file is taken whole or not at all.

// importAnswer is the answer to a registry upload.
type importAnswer struct {
	Kind     string `json:"kind"`
	Imported int    `json:"imported"`
	Cards    int    `json:"cards,omitempty"`
}

// maxRegistryBody bounds an upload; a catalogue of 100 000 products is
// about 30 MB.
const maxRegistryBody = 128 << 20

func (s *Server) postRegistry(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	scope := kori.ScopeCatalogue
	if kind == "members" {
		scope = kori.ScopeMembers
	}
	if _, err := s.requireScope(r, scope); err != nil {
		return err
	}
	format := "csv"
	switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
	case "application/json":
		format = "json"
	case "text/csv", "":
	default:
		return kori.Errorf(kori.EINVALID, "Content-Type %q: send text/csv or application/json", mt)
	}
	body := http.MaxBytesReader(w, r.Body, maxRegistryBody)
	ctx := r.Context()
	ans := importAnswer{Kind: kind}
	fail := func(err error) error {
		if le, ok := err.(*ingest.LineError); ok {
			return kori.Errorf(kori.EINVALID, "%s", le.Error())
		}
		return err
	}
	switch kind {
	case "groups":
		gs, err := ingest.ReadGroups(body)
		if err != nil {
			return fail(err)
		}
		ans.Imported = len(gs)
		err = s.Store.UpsertGroups(ctx, gs)
		if err != nil {
			return err
		}
	case "stores":
		ss, err := ingest.ReadStores(body)
		if err != nil {
			return fail(err)
		}
		ans.Imported = len(ss)
		if err := s.Store.UpsertStores(ctx, ss); err != nil {
			return err
		}
	case "products":
		ps, err := ingest.ReadProducts(body, format)
		if err != nil {
			return fail(err)
		}
		ans.Imported = len(ps)
		if err := s.Store.UpsertProducts(ctx, ps); err != nil {
			return err
		}
	case "campaigns":
		cs, err := ingest.ReadCampaigns(body, format, s.Zone)
		if err != nil {
			return fail(err)
		}
		ans.Imported = len(cs)
		if err := s.Store.UpsertCampaigns(ctx, cs); err != nil {
			return err
		}
	case "scheme":
		sc, err := ingest.ReadScheme(body)
		if err != nil {
			return err
		}
		ans.Imported = 1
		if err := s.Store.UpsertScheme(ctx, sc); err != nil {
			return err
		}
	case "members":
		rows, err := ingest.ReadMembers(body)
		if err != nil {
			return fail(err)
		}
		es := ingest.Enrolments(rows)
		ans.Imported, ans.Cards = len(es), len(rows)
		if _, err := s.Store.ImportMembers(ctx, es, "api"); err != nil {
			return err
		}
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(body, 1<<20))
		return kori.Errorf(kori.ENOTFOUND, "no registry %q: send groups, stores, products, campaigns, scheme or members", kind)
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}
