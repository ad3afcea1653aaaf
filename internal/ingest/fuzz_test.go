package ingest_test

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori/internal/ingest"
)

var fuzzNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// FuzzParseJSON checks that any input either parses or gives a line error,
// never panics, and that what parses and validates survives a round trip.
func FuzzParseJSON(f *testing.F) {
	f.Add(receiptJSON(1, "9000"))
	f.Add(`{"store":"S1","till":1}`)
	f.Add(`{"total":12.5,"lines":[{"amount":"1,20"}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		p := ingest.ParseJSON([]byte(s), 7)
		if p.Err != nil {
			if p.Err.Line != 7 || p.Err.Reason == "" {
				t.Fatalf("error without line or reason: %+v", p.Err)
			}
			return
		}
		if ingest.Validate(&p.Receipt, 7, fuzzNow) != nil {
			return
		}
		again := ingest.ParseJSON(ingest.AppendJSON(nil, &p.Receipt), 7)
		if again.Err != nil {
			t.Fatalf("round trip of a valid receipt failed: %v", again.Err)
		}
		if again.Receipt.Total != p.Receipt.Total || len(again.Receipt.Lines) != len(p.Receipt.Lines) || !again.Receipt.PurchasedAt.Equal(p.Receipt.PurchasedAt) {
			t.Fatalf("round trip changed the receipt: %+v → %+v", p.Receipt, again.Receipt)
		}
	})
}

// FuzzNDJSONReader checks that the reader consumes any stream to the end with
// strictly increasing line numbers.
func FuzzNDJSONReader(f *testing.F) {
	f.Add(receiptJSON(1, "9000") + "\n\n" + receiptJSON(2, "9000"))
	f.Add("{\n}\n{")
	f.Fuzz(func(t *testing.T, s string) {
		r := ingest.NewNDJSONReader(strings.NewReader(s))
		last := 0
		for i := 0; ; i++ {
			p, err := r.Next()
			if err == io.EOF {
				return
			} else if err != nil {
				t.Fatal(err)
			}
			if p.Line <= last {
				t.Fatalf("line %d after %d", p.Line, last)
			}
			last = p.Line
			if i > len(s)+1 {
				t.Fatal("more receipts than input lines")
			}
		}
	})
}

// FuzzCSVReader checks the CSV reader never panics or loops.
func FuzzCSVReader(f *testing.F) {
	f.Add(strings.Join(ingest.CSVColumns, ",") + "\nS1,1,1,2025-01-01T10:00:00+02:00,9000,1.00,6400000000019,1,1.00,0\n")
	f.Add("store,till\n\"unterminated\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		r := ingest.NewCSVReader(strings.NewReader(s))
		for i := 0; ; i++ {
			p, err := r.Next()
			if err == io.EOF {
				return
			} else if err != nil {
				t.Fatal(err)
			}
			if p.Err != nil && p.Err.Reason == "" {
				t.Fatalf("error without a reason: %+v", p.Err)
			}
			if i > len(s)+1 {
				t.Fatal("more receipts than input lines")
			}
		}
	})
}

// FuzzParseMoney checks that money that parses prints back to the same cents.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "12.5", "-0.30", "12,50", "1.", ".5", "1e3", "99999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ingest.ParseMoney(s)
		if err != nil {
			return
		}
		back, err := ingest.ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("%q → %d → %q → %d, %v", s, m, m.String(), back, err)
		}
	})
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]int64{"12": 1200, "12.5": 1250, "12,50": 1250, "-0.30": -30, "0.07": 7} {
		got, err := ingest.ParseMoney(in)
		if err != nil || int64(got) != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1.234", "abc", "1.", ".5", "--1", "1e3"} {
		if _, err := ingest.ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q): no error", in)
		}
	}
}

// FuzzFastParserAgreesWithEncodingJSON is a differential test: whenever the
// fast parser accepts an input, encoding/json must read the same receipt.
func FuzzFastParserAgreesWithEncodingJSON(f *testing.F) {
	f.Add(receiptJSON(1, "9000"))
	f.Add(`{"store":"S1","till":1,"receipt":"1","purchased_at":"2025-01-01T10:00:00+02:00","card":"1","total":1,"lines":[]}`)
	f.Add(`{"store":"S1","till":1e1,"receipt":"1","purchased_at":"2025-01-01T10:00:00Z","card":"1","total":"1.5","lines":[{"gtin":"1","quantity":1,"amount":1.5}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := ingest.ParseFast([]byte(s))
		if !ok {
			return
		}
		std := ingest.ParseJSONStd([]byte(s), 1)
		if std.Err != nil {
			t.Fatalf("fast parser accepted what encoding/json rejects (%v): %q", std.Err, s)
		}
		if !reflect.DeepEqual(fast, std.Receipt) {
			t.Fatalf("fast %+v\nstd  %+v\ninput %q", fast, std.Receipt, s)
		}
	})
}

// FuzzRegistryReaders checks that the registry readers (products in CSV
// and JSON, stores, groups, members, campaigns) never panic, and that an
// error names a line or field.
func FuzzRegistryReaders(f *testing.F) {
	f.Add("gtin,name_fi,name_en,group,origin,country,emission_group,net_kg,unit\n6400000000019,Maito,Milk,dairy,fi_raw,FI,milk,1.0,pcs\n")
	f.Add(`[{"gtin":"6400000000019","name_fi":"Maito","group":"dairy"}]`)
	f.Add("store,name,city\nS1,K-Market,Helsinki\n")
	f.Add("ref,email,level,card,card_status\nA,a@example.invalid,product,9000,active\n")
	f.Add("campaign_id,name_fi,name_en,gtin,group,discount_pct,valid_from,valid_to\nC1,Ale,Sale,,dairy,10,2026-01-01,2026-12-31\n")
	f.Fuzz(func(t *testing.T, s string) {
		check := func(what string, err error) {
			if err != nil && err.Error() == "" {
				t.Fatalf("%s: an error without a message", what)
			}
		}
		_, err := ingest.ReadProducts(strings.NewReader(s), "csv")
		check("products csv", err)
		_, err = ingest.ReadProducts(strings.NewReader(s), "json")
		check("products json", err)
		_, err = ingest.ReadStores(strings.NewReader(s))
		check("stores", err)
		_, err = ingest.ReadGroups(strings.NewReader(s))
		check("groups", err)
		_, err = ingest.ReadMembers(strings.NewReader(s))
		check("members", err)
		_, err = ingest.ReadCampaigns(strings.NewReader(s), "csv", time.UTC)
		check("campaigns", err)
	})
}

// FuzzPOSLogReader checks the POSLog reader never panics or loops, and
// that every receipt it returns either parsed or names its error.
func FuzzPOSLogReader(f *testing.F) {
	f.Add(`<POSLog><Transaction><RetailStoreID>S1</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>1</SequenceNumber>` +
		`<EndDateTime>2025-01-01T10:00:00+02:00</EndDateTime><RetailTransaction><LineItem><Sale><ItemID>6400000000019</ItemID>` +
		`<Quantity>1</Quantity><ExtendedAmount>1.20</ExtendedAmount></Sale></LineItem><Total TotalType="TransactionGrandAmount">1.20</Total>` +
		`<LoyaltyAccount><LoyaltyAccountID>1</LoyaltyAccountID></LoyaltyAccount></RetailTransaction></Transaction></POSLog>`)
	f.Add(`<POSLog><Transaction><ControlTransaction><PostVoid/></ControlTransaction></Transaction>`)
	f.Add(`<a><Transaction CancelFlag="true"/></a>`)
	f.Fuzz(func(t *testing.T, s string) {
		r := ingest.NewPOSLogReader(strings.NewReader(s))
		for i := 0; ; i++ {
			p, err := r.Next()
			if err != nil {
				return
			}
			if p.Err != nil && p.Err.Reason == "" {
				t.Fatalf("error without a reason: %+v", p.Err)
			}
			if i > len(s) {
				t.Fatal("more receipts than input bytes")
			}
		}
	})
}
