package format

import (
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/tally"
)

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		p    tally.Pence
		want string
	}{
		{70, "£0.70"}, {2750050, "£27,500.50"}, {20894125, "£208,941.25"}, {0, "£0.00"}, {-500, "−£5.00"},
	} {
		if got := Money(c.p); got != c.want {
			t.Errorf("Money(%d) = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestQuantity(t *testing.T) {
	for _, c := range []struct {
		q    string
		unit string
		want string
	}{
		{"74", "devices", "74 devices"},
		{"1", "devices", "1 device"},
		{"1", "people", "1 person"},
		{"12.5", "FTE", "12.5 FTE"},
		{"1", "FTE", "1 FTE"},
		{"52500.5", "£", "£52,500.50"},
		{"52500.505", "£ spent", "£52,500.51"},
		{"1234567.125", "tCO2e", "1,234,567.125 tCO2e"},
		{"15", "%", "15%"},
		{"3", "", "3"},
	} {
		q, err := tally.ParseQuantity(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := Quantity(q, c.unit); got != c.want {
			t.Errorf("Quantity(%s, %q) = %q, want %q", c.q, c.unit, got, c.want)
		}
	}
}

func TestPer(t *testing.T) {
	for _, c := range []struct {
		p    string
		unit string
		want string
	}{
		{"240", "weeks", "£240 per week"},
		{"28000", "FTE", "£28,000 per FTE"},
		{"0.7", "£", "£0.70 per £1"},
		{"12.3456", "hours", "£12.3456 per hour"},
		{"95", "tCO2e", "£95 per tCO2e"},
	} {
		p, err := tally.ParseProxy(c.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := Per(p, c.unit); got != c.want {
			t.Errorf("Per(%s, %q) = %q, want %q", c.p, c.unit, got, c.want)
		}
	}
}

func TestPercent(t *testing.T) {
	if got := Percent(tally.NewRatio(1, 0)); got != "no data" {
		t.Errorf("undefined ratio = %q, want no data", got)
	}
	if got := Percent(tally.NewRatio(1, 4)); got != "25.0%" {
		t.Errorf("1/4 = %q", got)
	}
	if got := Percent(tally.NewRatio(-1, 8)); got != "−12.5%" {
		t.Errorf("-1/8 = %q", got)
	}
}

func TestTime(t *testing.T) {
	day := func(h, m int) time.Time { return time.Date(2026, 12, 3, h, m, 0, 0, tally.London()) }
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{day(0, 0), "midnight"}, {day(12, 0), "midday"}, {day(17, 0), "5pm"}, {day(17, 30), "5:30pm"},
		{day(9, 5), "9:05am"}, {day(0, 30), "12:30am"}, {day(12, 15), "12:15pm"},
	} {
		if got := Time(c.t); got != c.want {
			t.Errorf("Time(%v) = %q, want %q", c.t, got, c.want)
		}
	}
	if got := DateTime(day(17, 0)); got != "5pm on 3 December 2026" {
		t.Errorf("DateTime = %q", got)
	}
	// Times are said in London whatever zone they arrive in.
	if got := Time(time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)); got != "5pm" {
		t.Errorf("summer UTC 16:00 = %q, want 5pm", got)
	}
}

func TestCount(t *testing.T) {
	if got := Count(1, "offer", "offers"); got != "1 offer" {
		t.Error(got)
	}
	if got := Count(1204, "offer", "offers"); got != "1,204 offers" {
		t.Error(got)
	}
	if got := Count(0, "offer", "offers"); got != "0 offers" {
		t.Error(got)
	}
}

func TestPoints(t *testing.T) {
	for p, want := range map[tally.Points]string{8750: "87.50", 0: "0.00", 10000: "100.00", 5: "0.05", -125: "−1.25"} {
		if got := Points(p); got != want {
			t.Errorf("Points(%d) = %q, want %q", p, got, want)
		}
	}
}

func TestInteger(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 1204: "1,204", 1_000_000: "1,000,000", -3: Minus + "3", -12345: Minus + "12,345"} {
		if got := Integer(n); got != want {
			t.Errorf("Integer(%d) = %q, want %q", n, got, want)
		}
	}
}
