package server

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/kori-project/kori"
)

// TestRevealsHasItsMessages: for every scope, level and objection the
// consent screen has a message saying what the scope reveals, in both
// languages, and a scope gives nothing at level none.
func TestRevealsHasItsMessages(t *testing.T) {
	for _, lang := range []string{"en", "fi"} {
		b, err := os.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(b, &msgs); err != nil {
			t.Fatal(err)
		}
		for _, l := range kori.Levels {
			for _, objects := range []bool{false, true} {
				m := &kori.Member{Level: l, ObjectsPersonalisation: objects}
				for _, sc := range kori.AppScopes {
					id := reveals(m, sc)
					if msgs[id] == "" {
						t.Errorf("%s: no message %q (scope %s at level %s)", lang, id, sc, l)
					}
				}
			}
		}
	}
	none := &kori.Member{Level: kori.LevelNone}
	for _, sc := range []kori.AppScope{kori.AppReceipts, kori.AppSpending, kori.AppCarbon, kori.AppOffers} {
		if id := reveals(none, sc); id != "app.reveals."+string(sc)+".none" && id != "app.reveals.offers.none" {
			t.Errorf("scope %s at level none reveals %q", sc, id)
		}
	}
}
