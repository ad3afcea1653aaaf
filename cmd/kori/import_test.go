package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/store"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportEveryKind imports each kind of file through the command line, as
// a chain setting Kori up would, and checks what is stored.
func TestImportEveryKind(t *testing.T) {
	dir := t.TempDir()
	korirun(t, "migrate", "--data", dir)
	groups := write(t, dir, "groups.csv", "code,name_fi,name_en,food\ndairy,Maitotuotteet,Dairy,true\nhousehold,Koti,Household,false\n")
	stores := write(t, dir, "stores.csv", "store_id,name,city\nS1,Kori Kamppi,Helsinki\n")
	catalogueCSV := write(t, dir, "products.csv", "gtin,name_fi,name_en,group,origin,country,unit,net_kg,nutrients_ref,emission_group\n"+
		"6400000000019,Kevytmaito,Semi-skimmed milk,dairy,fi_raw,FI,pcs,1.03,milk 1.5% (semi-skimmed),Milk\n")
	catalogueJSON := write(t, dir, "products.json", `[{"gtin":"6400000000026","name_fi":"Saippua","name_en":"Soap","group":"household","origin":"fi_made","unit":"pcs"}]`)
	members := write(t, dir, "members.csv", "member_ref,card,card_status,closed_at,level,email\nC1,1001,active,,,a@example.com\nC1,1002,closed,2024-01-01T00:00:00Z,,\nC2,2001,active,,group,\n")
	receipts := write(t, dir, "receipts.csv", "store,till,receipt,purchased_at,card,total,gtin,quantity,amount,discount\n"+
		"S1,1,1,2025-03-01T10:00:00+02:00,1001,3.20,6400000000019,2,2.10,0\n"+
		"S1,1,1,2025-03-01T10:00:00+02:00,1001,3.20,6400000000026,1,1.10,0\n"+
		"S1,1,2,2025-03-01T11:00:00+02:00,2001,1.05,6400000000019,1,1.05,0\n")
	campaigns := write(t, dir, "campaigns.csv", "campaign_id,name_fi,name_en,gtin,group,discount_pct,valid_from,valid_to\n"+
		"milk,Maito -10 %,Milk -10 %,6400000000019,,10,2025-03-01,2025-03-31\n"+
		"dairy,Maitotuotteet -20 %,Dairy -20 %,,dairy,20,2025-03-01,2025-03-31\n")
	for _, c := range []struct{ kind, file, want string }{
		{"groups", groups, "2 product groups"},
		{"stores", stores, "1 stores"},
		{"catalogue", catalogueCSV, "1 products"},
		{"catalogue", catalogueJSON, "1 products"},
		{"members", members, "2 members with 3 cards"},
		{"receipts", receipts, "2 stored (3 lines)"},
		{"campaigns", campaigns, "imported 2 campaigns"},
	} {
		if out := korirun(t, "import", "--data", dir, "--quiet", c.kind, c.file); !strings.Contains(out, c.want) {
			t.Errorf("import %s: %q, want %q", c.kind, out, c.want)
		}
	}
	got := counts(t, dir)
	for table, n := range map[string]int64{"products": 2, "members": 2, "cards": 3, "receipts": 2, "receipt_lines": 2, "receipt_groups": 1} {
		if got[table] != n {
			t.Errorf("%s = %d, want %d", table, got[table], n)
		}
	}

	// Campaigns: one of gtin or group, dates read in the chain's zone with
	// the last day included; a bad row names its line and field.
	if out := korirun(t, "offers", "run", "--data", dir, "--as-of", "2025-03-15", "--quiet"); !strings.Contains(out, "2 campaigns running") {
		t.Errorf("offers run: %s", out)
	}
	badCampaign := write(t, dir, "bad-campaigns.csv", "campaign_id,name_fi,name_en,gtin,group,discount_pct,valid_from,valid_to\n"+
		"x,X,X,6400000000019,dairy,10,2025-03-01,2025-03-31\n")
	err := run(context.Background(), []string{"import", "--data", dir, "campaigns", badCampaign}, func(string) string { return "" }, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "either gtin or group") {
		t.Errorf("bad campaign: %v", err)
	}

	// A catalogue with a bad row is refused whole, naming the line and field.
	bad := write(t, dir, "bad.csv", "gtin,name_fi,name_en,group,origin,unit\n6400000000033,A,A,dairy,fi_raw,pcs\n123,B,B,dairy,fi_raw,pcs\n")
	var errb bytes.Buffer
	err = run(context.Background(), []string{"import", "--data", dir, "catalogue", bad}, func(string) string { return "" }, nil, &bytes.Buffer{}, &errb)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "gtin") {
		t.Errorf("bad catalogue: %v, want an error naming line 3 and the gtin", err)
	}
	if counts(t, dir)["products"] != 2 {
		t.Error("a refused catalogue changed the products")
	}

	// Rejected receipts are listed and make the command fail; good ones are kept.
	mixed := write(t, dir, "mixed.ndjson", `{"store":"S1","till":1,"receipt":"9","purchased_at":"2025-03-02T10:00:00+02:00","card":"1001","total":"1.05","lines":[{"gtin":"6400000000019","quantity":1,"amount":"1.05"}]}`+"\n"+`{"store":"S1"}`+"\n")
	errb.Reset()
	err = run(context.Background(), []string{"import", "--data", dir, "--quiet", "receipts", mixed}, func(string) string { return "" }, nil, &bytes.Buffer{}, &errb)
	if err == nil || !strings.Contains(errb.String(), "line 2: till: missing") {
		t.Errorf("mixed import: err %v, stderr %q", err, errb.String())
	}
	if counts(t, dir)["receipts"] != 3 {
		t.Error("the good receipt of a mixed file was not stored")
	}
}

// TestConcurrentImportsIntoANewYear: two imports that reach years whose
// partitions do not exist yet, at the same time, both succeed, and hold
// exactly what one import of both files holds.
func TestConcurrentImportsIntoANewYear(t *testing.T) {
	eachTarget(t, func(t *testing.T, newTarget func() string) {
		target := newTarget()
		receipts, _ := seedRegistry(t, target, 6)
		lines := bytes.SplitAfter(receipts, []byte("\n"))
		var a, b []byte
		for i, l := range lines {
			if i%2 == 0 {
				a = append(a, l...)
			} else {
				b = append(b, l...)
			}
		}
		dir := t.TempDir()
		files := []string{write(t, dir, "a.ndjson", string(a)), write(t, dir, "b.ndjson", string(b))}
		errs := make(chan error, 2)
		for _, f := range files {
			go func() {
				var out, errb bytes.Buffer
				err := run(context.Background(), append(append([]string{"import"}, dbFlag(target)...), "--as-of", asOf, "--quiet", "receipts", f),
					func(string) string { return "" }, nil, &out, &errb)
				if err != nil {
					err = fmt.Errorf("%v: %s", err, errb.String())
				}
				errs <- err
			}()
		}
		for range files {
			if err := <-errs; err != nil {
				t.Errorf("concurrent import: %v", err)
			}
		}
		one := newTarget()
		seedRegistry(t, one, 6)
		korirun(t, append(append([]string{"import"}, dbFlag(one)...), "--as-of", asOf, "--quiet", "receipts", write(t, dir, "all.ndjson", string(receipts)))...)
		got, want := counts(t, target), counts(t, one)
		for _, table := range []string{"receipts", "receipt_lines", "receipt_groups", "month_rollups"} {
			if got[table] != want[table] || want[table] == 0 {
				t.Errorf("%s: %d after two concurrent imports, %d after one of both files", table, got[table], want[table])
			}
		}
	})
}

// TestCSVWrongInTheMiddle: a stray quote costs only its own receipt; the
// rows after it are stored, and the summary counts exactly that.
func TestCSVWrongInTheMiddle(t *testing.T) {
	target := t.TempDir()
	receipts, n := seedRegistry(t, target, 2)
	var csv []byte
	csv = append(csv, strings.Join(ingest.CSVColumns[:10], ",")+"\n"...)
	for _, l := range bytes.Split(bytes.TrimSpace(receipts), []byte("\n")) {
		p := ingest.ParseJSON(l, 1)
		csv = ingest.AppendCSV(csv, &p.Receipt)
	}
	rows := strings.Split(strings.TrimSpace(string(csv)), "\n")
	// Break the first row of the tenth receipt with a stray quote in its GTIN.
	tenth := 0
	for i, seen, prev := 1, 0, ""; i < len(rows); i++ {
		key := strings.Join(strings.Split(rows[i], ",")[:6], ",")
		if key != prev {
			seen++
			prev = key
		}
		if seen == 10 {
			tenth = i
			break
		}
	}
	fields := strings.Split(rows[tenth], ",")
	fields[6] = `6"` + fields[6]
	rows[tenth] = strings.Join(fields, ",")
	file := write(t, t.TempDir(), "r.csv", strings.Join(rows, "\n")+"\n")
	var out, errb bytes.Buffer
	run(context.Background(), append(append([]string{"import"}, dbFlag(target)...), "--as-of", asOf, "receipts", file),
		func(string) string { return "" }, nil, &out, &errb)
	text := out.String() + errb.String()
	if !strings.Contains(text, fmt.Sprintf("line %d", tenth+1)) {
		t.Errorf("the report does not name line %d:\n%s", tenth+1, text)
	}
	c := counts(t, target)
	if c["receipts"] != int64(n-1) {
		t.Errorf("%d receipts stored of %d sent with one broken", c["receipts"], n)
	}
	if !strings.Contains(text, "1 rejected") {
		t.Errorf("the summary does not count one rejected receipt:\n%s", text)
	}
}

// TestExamples imports examples/ as its README says, on every engine.
func TestExamples(t *testing.T) {
	eachTarget(t, func(t *testing.T, newTarget func() string) {
		target := newTarget()
		flags := dbFlag(target)
		korirun(t, append([]string{"migrate"}, flags...)...)
		for _, kind := range []string{"groups", "stores", "catalogue", "members", "campaigns"} {
			korirun(t, append(append([]string{"import"}, flags...), kind, "../../examples/"+kind+".csv")...)
		}
		var out, errb bytes.Buffer
		err := run(context.Background(), append(append([]string{"import"}, flags...), "--as-of", "2026-11-30", "--quiet", "receipts", "../../examples/receipts.ndjson"),
			func(string) string { return "" }, nil, &out, &errb)
		if err != nil {
			t.Fatalf("%v\n%s", err, errb.String())
		}
		if !strings.Contains(out.String(), "5 stored") || !strings.Contains(out.String(), "1 voided") || !strings.Contains(out.String(), "1 not stored") {
			t.Errorf("import of the example receipts:\n%s%s", out.String(), errb.String())
		}
		c := counts(t, target)
		if c["receipts"] != 4 || c["receipt_lines"] != 11 || c["receipt_groups"] != 1 {
			t.Errorf("the examples hold %d receipts, %d lines, %d group sums; want 4, 11, 1", c["receipts"], c["receipt_lines"], c["receipt_groups"])
		}
	})
}

// TestPOSLog imports the example receipts as ARTS POSLog: sales with a
// voided line, deposits, a deposit refund and a coupon, a return linked to
// its sale, a cancelled transaction (skipped), a post-void and an unknown
// card, through the same validation as JSON.
func TestPOSLog(t *testing.T) {
	eachTarget(t, func(t *testing.T, newTarget func() string) {
		target := newTarget()
		flags := dbFlag(target)
		korirun(t, append([]string{"migrate"}, flags...)...)
		for _, kind := range []string{"groups", "stores", "catalogue", "members"} {
			korirun(t, append(append([]string{"import"}, flags...), kind, "../../examples/"+kind+".csv")...)
		}
		out := korirun(t, append(append([]string{"import"}, flags...), "--as-of", "2026-11-30", "--quiet", "receipts", "../../examples/receipts.xml")...)
		if !strings.Contains(out, "5 stored") || !strings.Contains(out, "1 voided") || !strings.Contains(out, "1 unknown card") || !strings.Contains(out, "0 rejected") {
			t.Errorf("POSLog import: %s", out)
		}
		c := counts(t, target)
		if c["receipts"] != 4 || c["receipt_lines"] != 9 || c["receipt_groups"] != 1 {
			t.Errorf("the POSLog examples hold %d receipts, %d lines, %d group sums; want 4, 9, 1", c["receipts"], c["receipt_lines"], c["receipt_groups"])
		}
		db, err := store.Open(context.Background(), dbURL(target))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ids, _ := db.MemberIDs(context.Background())
		rollups, _ := db.RollupsByMember(context.Background(), ids[0])
		var sum kori.Money
		for _, r := range rollups {
			sum += r.Figures.Amount
		}
		if sum != 1130 {
			t.Errorf("member M1 spent %s in November, want 14.29 − 2.99 = 11.30", sum)
		}
	})
}
