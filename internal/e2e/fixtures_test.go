package e2e

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pounds parses "£1,234.56" (or a bare "1234.56") exactly.
func pounds(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(strings.NewReplacer("£", "", ",", "").Replace(strings.TrimSpace(s)))
	if !ok {
		panic("not an amount of money: " + s)
	}
	return r
}

// lineValue is quantity × proxy, rounded half up to the penny (SPEC §5).
func lineValue(quantity string, proxy *big.Rat) *big.Rat {
	q, ok := new(big.Rat).SetString(quantity)
	if !ok {
		panic("not a quantity: " + quantity)
	}
	pence := new(big.Rat).Mul(new(big.Rat).Mul(q, proxy), big.NewRat(100, 1))
	half := new(big.Rat).Add(pence, big.NewRat(1, 2))
	whole := new(big.Int).Quo(half.Num(), half.Denom()) // values are positive: Quo floors
	return new(big.Rat).SetFrac(whole, big.NewInt(100))
}

// money formats pounds as the pages do: "£12,345.67".
func money(r *big.Rat) string {
	s := r.FloatString(2)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, pence, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + "£" + b.String() + "." + pence
}

func orgID(t *testing.T, a *app, slug string) int64 {
	t.Helper()
	var id int64
	adminQuery(t, a, `SELECT id FROM organisations WHERE slug = $1`, []any{slug}, &id)
	return id
}

func orgName(t *testing.T, a *app, slug string) string {
	t.Helper()
	var name string
	adminQuery(t, a, `SELECT name FROM organisations WHERE slug = $1`, []any{slug}, &name)
	return name
}

// adminQuery and adminExec use a superuser: test set-up that the app's own
// roles may not do, such as moving a contract's dates into the past.
func adminQuery(t *testing.T, a *app, sql string, args []any, dest ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), a.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func adminExec(t *testing.T, a *app, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), a.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if tag, err := conn.Exec(t.Context(), sql, args...); err != nil || tag.RowsAffected() == 0 {
		t.Fatalf("%s: %v (%d rows)", sql, err, tag.RowsAffected())
	}
}

// minimalPDF is a one-page PDF with a correct cross-reference table.
func minimalPDF() []byte {
	content := "BT /F1 18 Tf 72 760 Td (Timesheets, quarter 1) Tj ET"
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return []byte(b.String())
}

func TestMoneyHelpers(t *testing.T) {
	for _, tt := range []struct{ quantity, proxy, want string }{
		{"52500.5", "£0.65", "£34,125.33"}, // 34125.325: half rounds up
		{"2", "£28000", "£56,000.00"},
		{"0.001", "£4.99", "£0.00"},
		{"0.001", "£5", "£0.01"},
	} {
		if got := money(lineValue(tt.quantity, pounds(tt.proxy))); got != tt.want {
			t.Errorf("%s × %s = %s, want %s", tt.quantity, tt.proxy, got, tt.want)
		}
	}
}
