package tally

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// ReceiptContent is what a supplier's offer submission records: the JSON
// stored beside the submission and hashed into its receipt (SPEC §5). The
// store's SubmitOffer and the scale generator both build it, so a receipt
// means the same bytes however the submission was made. Changing a field or
// its name changes every future hash; stored receipts keep their own body.
type ReceiptContent struct {
	Reference   string        `json:"reference"`
	Tender      string        `json:"tender"`
	TenderID    int64         `json:"tender_id"`
	SupplierID  int64         `json:"supplier_id"`
	Revision    int           `json:"revision"`
	SubmittedAt time.Time     `json:"submitted_at"`
	BidPrice    int64         `json:"bid_price_pence"`
	SocialValue int64         `json:"social_value_pence"`
	Lines       []ReceiptLine `json:"lines"`
}

// ReceiptLine is one answered measure of a submitted offer.
type ReceiptLine struct {
	TenderMeasureID int64  `json:"tender_measure_id"`
	Edition         string `json:"edition"`
	Code            string `json:"code"`
	Quantity        string `json:"quantity"`  // Quantity.String()
	Proxy           string `json:"proxy_gbp"` // Proxy.String()
	Statement       string `json:"statement"`
	Value           int64  `json:"value_pence"`
}

// OfferReference is a submission's reference: the offer and its revision,
// like OFR-000042-1.
func OfferReference(offerID int64, revision int) string {
	return fmt.Sprintf("OFR-%06d-%d", offerID, revision)
}

// Seal returns the content as stored (JSON, time in UTC) and the lower-case
// hex SHA-256 of exactly those bytes, the receipt's hash.
func (c ReceiptContent) Seal() (body []byte, sha string, err error) {
	c.SubmittedAt = c.SubmittedAt.UTC()
	body, err = json.Marshal(c)
	if err != nil {
		return nil, "", fmt.Errorf("receipt content: %w", err)
	}
	sum := sha256.Sum256(body)
	return body, hex.EncodeToString(sum[:]), nil
}
