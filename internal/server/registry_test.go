package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

// TestRegistryAPI: the chain's systems upload the registry with scoped keys;
// a bad file is refused whole, naming its line and field.
func TestRegistryAPI(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	_, catalogue, _ := f.db.CreateAPIKey(ctx, "pim", []string{kori.ScopeCatalogue})
	_, members, _ := f.db.CreateAPIKey(ctx, "crm", []string{kori.ScopeMembers})
	c := f.client(t)
	post := func(key, kind, contentType, body string) *http.Response {
		c.bearer = key
		return c.do("POST", "/api/v1/registry/"+kind, strings.NewReader(body), http.Header{"Content-Type": {contentType}}).Result()
	}
	if res := post(catalogue, "stores", "text/csv", "store_id,name,city\nS9,Kori Pasila,Helsinki\n"); res.StatusCode != http.StatusOK {
		t.Errorf("stores: %d", res.StatusCode)
	}
	cat, _ := f.svc.Catalogue(ctx)
	if cat.Stores["S9"] == nil || cat.Stores["S9"].Name != "Kori Pasila" {
		t.Error("the uploaded store is not in the catalogue")
	}
	res := post(catalogue, "products", "application/json", `[{"gtin":"6400000099990","name_fi":"Testi","name_en":"Test","group":"dairy","origin":"fi_raw","unit":"pcs"}]`)
	if res.StatusCode != http.StatusOK {
		t.Errorf("products: %d", res.StatusCode)
	}
	if res := post(catalogue, "products", "text/csv", "gtin,name_fi,name_en,group,origin,unit\n123,B,B,dairy,fi_raw,pcs\n"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad catalogue: %d, want 400", res.StatusCode)
	}
	if res := post(catalogue, "members", "text/csv", "member_ref,card,card_status,closed_at,level,email\nN1,7001,active,,,n1@example.invalid\n"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the registry with a catalogue key: %d, want 403", res.StatusCode)
	}
	if res := post(members, "members", "text/csv", "member_ref,card,card_status,closed_at,level,email\nN1,7001,active,,,n1@example.invalid\nN1,7002,active,,,\n"); res.StatusCode != http.StatusOK {
		t.Errorf("members: %d", res.StatusCode)
	}
	if id, err := f.db.MemberByEmail(ctx, "n1@example.invalid"); err != nil || id == 0 {
		t.Errorf("the uploaded member is not found by e-mail: %v", err)
	}
	if res := post(members, "members", "text/csv", "member_ref,card,card_status,closed_at,level,email\nN2,7001,active,,,\n"); res.StatusCode != http.StatusConflict {
		t.Errorf("a card of another member: %d, want 409", res.StatusCode)
	}
	if res := post(catalogue, "recipes", "text/csv", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown registry: %d", res.StatusCode)
	}
}
