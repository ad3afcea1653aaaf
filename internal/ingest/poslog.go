package ingest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// ARTS POSLog (NRF/OMG IXRetail), the XML that POS systems export. Kori
// reads, from each Transaction:
//
//   - RetailStoreID, WorkstationID (the till), SequenceNumber (the
//     receipt), BusinessDayDate and EndDateTime (the purchase time);
//   - a RetailTransaction: its LineItems of Sale (ItemType Stock: a
//     product; Deposit: a bottle deposit) and Return (Stock: a product
//     given back; Deposit: a deposit refund), each with ItemID (the GTIN),
//     Quantity and ExtendedAmount (the net amount; ExtendedDiscountAmount
//     is the discount), Coupon line items (ExtendedAmount, taken off), the
//     LoyaltyAccount's LoyaltyAccountID (the card) and Total
//     TotalType="TransactionGrandAmount". A transaction whose lines are
//     all returns is a return; a Return's TransactionLink names the sale.
//     LineItems with VoidFlag="true" were cancelled at the till and are
//     left out; a RetailTransaction with TransactionStatus Voided or
//     Canceled (or a Transaction with CancelFlag="true") was never a
//     purchase and is skipped.
//   - a ControlTransaction with PostVoid: a void of the receipt its
//     TransactionLink names (LoyaltyAccountID, as for receipts, finds the
//     member).
//
// Everything else (tenders, taxes, operators) is not purchase data and is
// ignored. Each Transaction becomes one receipt through the same
// validation as JSON; the line of a Parsed is the Transaction's line.
type poslogReader struct {
	dec *xml.Decoder
}

// NewPOSLogReader reads receipts from ARTS POSLog XML, one Transaction at
// a time, with bounded memory.
func NewPOSLogReader(r io.Reader) Reader {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	return &poslogReader{dec: dec}
}

type plTransaction struct {
	Store      string      `xml:"RetailStoreID"`
	Till       string      `xml:"WorkstationID"`
	Sequence   string      `xml:"SequenceNumber"`
	Day        string      `xml:"BusinessDayDate"`
	End        string      `xml:"EndDateTime"`
	CancelFlag string      `xml:"CancelFlag,attr"`
	Retail     *plRetail   `xml:"RetailTransaction"`
	Control    *plControl  `xml:"ControlTransaction"`
	Loyalty    *plLoyalty  `xml:"LoyaltyAccount"`
	Customer   *plCustomer `xml:"Customer"`
}

type plRetail struct {
	Status   string       `xml:"TransactionStatus,attr"`
	Lines    []plLineItem `xml:"LineItem"`
	Totals   []plTotal    `xml:"Total"`
	Loyalty  *plLoyalty   `xml:"LoyaltyAccount"`
	Customer *plCustomer  `xml:"Customer"`
}

// plCustomer is a Customer element, under a Transaction or its
// RetailTransaction, which may carry the loyalty account.
type plCustomer struct {
	Loyalty *plLoyalty `xml:"LoyaltyAccount"`
}

func (c *plCustomer) loyalty() *plLoyalty {
	if c == nil {
		return nil
	}
	return c.Loyalty
}

type plLoyalty struct {
	ID string `xml:"LoyaltyAccountID"`
}

type plTotal struct {
	Type  string `xml:"TotalType,attr"`
	Value string `xml:",chardata"`
}

type plLineItem struct {
	Void   string  `xml:"VoidFlag,attr"`
	Sale   *plItem `xml:"Sale"`
	Return *plItem `xml:"Return"`
	Coupon *plItem `xml:"Coupon"`
}

type plItem struct {
	ItemType string  `xml:"ItemType,attr"`
	ItemID   string  `xml:"ItemID"`
	Quantity string  `xml:"Quantity"`
	Amount   string  `xml:"ExtendedAmount"`
	Discount string  `xml:"ExtendedDiscountAmount"`
	Link     *plLink `xml:"TransactionLink"`
}

type plLink struct {
	Store    string `xml:"RetailStoreID"`
	Till     string `xml:"WorkstationID"`
	Sequence string `xml:"SequenceNumber"`
	Day      string `xml:"BusinessDayDate"`
}

type plControl struct {
	PostVoid *struct {
		Link *plLink `xml:"TransactionLink"`
	} `xml:"PostVoid"`
}

// errSkip marks a transaction that holds no purchase (a cancelled one, or
// a control transaction other than a post-void).
var errSkip = errors.New("not a purchase")

func (p *poslogReader) Next() (Parsed, error) {
	for {
		tok, err := p.dec.Token()
		if err == io.EOF {
			return Parsed{}, io.EOF
		} else if err != nil {
			line, _ := p.dec.InputPos()
			return Parsed{}, fmt.Errorf("POSLog line %d: malformed XML: %v", line, err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "Transaction" {
			continue
		}
		line, _ := p.dec.InputPos()
		var t plTransaction
		if err := p.dec.DecodeElement(&t, &start); err != nil {
			return Parsed{}, fmt.Errorf("POSLog line %d: malformed XML: %v", line, err)
		}
		r, lerr := t.receipt(line)
		if errors.Is(lerr, errSkip) {
			continue
		}
		if lerr != nil {
			var le *LineError
			errors.As(lerr, &le)
			return Parsed{Line: line, Err: le}, nil
		}
		return Parsed{Line: line, Receipt: r}, nil
	}
}

func (t *plTransaction) receipt(line int) (kori.Receipt, error) {
	bad := func(field, format string, args ...any) (kori.Receipt, error) {
		return kori.Receipt{}, &LineError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.EqualFold(t.CancelFlag, "true") {
		return kori.Receipt{}, errSkip
	}
	card := ""
	for _, l := range []*plLoyalty{t.Loyalty, t.Customer.loyalty()} {
		if l != nil && card == "" {
			card = strings.TrimSpace(l.ID)
		}
	}
	if t.Control != nil {
		if t.Control.PostVoid == nil || t.Control.PostVoid.Link == nil {
			return kori.Receipt{}, errSkip
		}
		k, err := t.Control.PostVoid.Link.key("PostVoid.TransactionLink")
		if err != nil {
			return kori.Receipt{}, withLine(err, line)
		}
		if card == "" {
			return bad("LoyaltyAccountID", "missing; a post-void names the loyalty account of the receipt it cancels")
		}
		return kori.Receipt{Kind: kori.KindVoid, Key: k, Card: card}, nil
	}
	rt := t.Retail
	if rt == nil {
		return kori.Receipt{}, errSkip
	}
	switch strings.ToLower(rt.Status) {
	case "voided", "canceled", "cancelled", "suspended":
		return kori.Receipt{}, errSkip
	}
	if card == "" {
		for _, l := range []*plLoyalty{rt.Loyalty, rt.Customer.loyalty()} {
			if l != nil && card == "" {
				card = strings.TrimSpace(l.ID)
			}
		}
	}
	till, err := strconv.Atoi(strings.TrimSpace(t.Till))
	if err != nil {
		return bad("WorkstationID", "%q is not a whole number", t.Till)
	}
	end, ok := parseTime(strings.TrimSpace(t.End))
	if !ok {
		return bad("EndDateTime", "%q is not an RFC 3339 time with zone, e.g. 2025-03-01T17:45:00+02:00", t.End)
	}
	r := kori.Receipt{Kind: kori.KindSale, Key: kori.ReceiptKey{Store: strings.TrimSpace(t.Store), Till: till, Number: strings.TrimSpace(t.Sequence)},
		Card: card, PurchasedAt: end}
	switch {
	case r.Key.Store == "":
		return bad("RetailStoreID", "missing")
	case r.Key.Number == "":
		return bad("SequenceNumber", "missing")
	case card == "":
		return bad("LoyaltyAccountID", "missing; only loyalty-card purchases are accepted")
	}
	returns, others := 0, 0
	for i, li := range rt.Lines {
		field := func(name string) string { return fmt.Sprintf("LineItem[%d].%s", i, name) }
		if strings.EqualFold(li.Void, "true") {
			continue
		}
		var it *plItem
		var l kori.Line
		switch {
		case li.Sale != nil:
			it, l.Kind = li.Sale, kori.LineProduct
			if strings.EqualFold(it.ItemType, "Deposit") {
				l.Kind = kori.LineDeposit
			}
			others++
		case li.Return != nil:
			it, l.Kind = li.Return, kori.LineProduct
			if strings.EqualFold(it.ItemType, "Deposit") {
				l.Kind = kori.LineDepositRefund
			} else {
				returns++
			}
			if it.Link != nil && r.Original == nil {
				k, err := it.Link.key(field("Return.TransactionLink"))
				if err != nil {
					return kori.Receipt{}, withLine(err, line)
				}
				r.Original = &k
			}
		case li.Coupon != nil:
			it, l.Kind = li.Coupon, kori.LineCoupon
			others++
		default:
			continue // tenders, taxes and the like
		}
		q := strings.TrimSpace(it.Quantity)
		if q == "" {
			q = "1"
		}
		qty, err := strconv.ParseFloat(q, 64)
		if err != nil {
			return bad(field("Quantity"), "%q is not a number", it.Quantity)
		}
		amount, err := ParseMoney(it.Amount)
		if err != nil {
			return bad(field("ExtendedAmount"), "%v", err)
		}
		if it.Discount != "" {
			if l.Discount, err = ParseMoney(it.Discount); err != nil {
				return bad(field("ExtendedDiscountAmount"), "%v", err)
			}
		}
		// A return gives back, a coupon takes off: POSLog states the
		// amounts positive, Kori keeps their sign.
		if li.Return != nil || li.Coupon != nil {
			amount = -abs(amount)
			if li.Return != nil {
				qty = -qty
			}
		}
		l.GTIN, l.Quantity, l.Amount = strings.TrimSpace(it.ItemID), qty, amount
		r.Lines = append(r.Lines, l)
	}
	if returns > 0 && others == 0 {
		r.Kind = kori.KindReturn
	} else {
		r.Original = nil
	}
	for _, tot := range rt.Totals {
		if tot.Type == "TransactionGrandAmount" {
			total, err := ParseMoney(tot.Value)
			if err != nil {
				return bad("Total", "%v", err)
			}
			if r.Kind == kori.KindReturn && total > 0 {
				total = -total
			}
			r.Total = total
			return r, nil
		}
	}
	return bad("Total", "missing; give Total TotalType=\"TransactionGrandAmount\"")
}

func abs(m kori.Money) kori.Money {
	if m < 0 {
		return -m
	}
	return m
}

func (l *plLink) key(field string) (kori.ReceiptKey, error) {
	till, err := strconv.Atoi(strings.TrimSpace(l.Till))
	if err != nil {
		return kori.ReceiptKey{}, &LineError{Field: field + ".WorkstationID", Reason: fmt.Sprintf("%q is not a whole number", l.Till)}
	}
	t, err := time.Parse("2006-01-02", strings.TrimSpace(l.Day))
	if err != nil {
		return kori.ReceiptKey{}, &LineError{Field: field + ".BusinessDayDate", Reason: fmt.Sprintf("%q is not a date such as 2025-03-01", l.Day)}
	}
	k := kori.ReceiptKey{Store: strings.TrimSpace(l.Store), Till: till, Number: strings.TrimSpace(l.Sequence), BusinessDay: kori.BusinessDay(t, time.UTC)}
	if k.Store == "" || k.Number == "" {
		return kori.ReceiptKey{}, &LineError{Field: field, Reason: "needs RetailStoreID and SequenceNumber"}
	}
	return k, nil
}

func withLine(err error, line int) error {
	var le *LineError
	if errors.As(err, &le) {
		le.Line = line
	}
	return err
}
