package tally

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"
)

// The stored body is fixed byte for byte: receipts already issued were
// hashed over exactly this shape.
func TestReceiptContentSeal(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.FixedZone("BST", 3600))
	c := ReceiptContent{Reference: OfferReference(42, 2), Tender: "TRA-2025-001", TenderID: 7, SupplierID: 9, Revision: 2,
		SubmittedAt: at, BidPrice: 12_500_000, SocialValue: 250_000,
		Lines: []ReceiptLine{{TenderMeasureID: 3, Edition: "TOMs 2024", Code: "NT1", Quantity: "2.5", Proxy: "1000.00",
			Statement: "Two and a half local jobs", Value: 250_000}}}
	body, sha, err := c.Seal()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"reference":"OFR-000042-2","tender":"TRA-2025-001","tender_id":7,"supplier_id":9,"revision":2,` +
		`"submitted_at":"2025-03-14T08:30:00Z","bid_price_pence":12500000,"social_value_pence":250000,` +
		`"lines":[{"tender_measure_id":3,"edition":"TOMs 2024","code":"NT1","quantity":"2.5","proxy_gbp":"1000.00",` +
		`"statement":"Two and a half local jobs","value_pence":250000}]}`
	if string(body) != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
	sum := sha256.Sum256([]byte(want))
	if sha != hex.EncodeToString(sum[:]) {
		t.Errorf("sha %s is not the SHA-256 of the body", sha)
	}
}
