package tally

import "testing"

func TestPoints(t *testing.T) {
	tests := []struct {
		in      string
		want    Points
		str     string
		wantErr bool
	}{
		{in: "87.5", want: 87_50, str: "87.50"},
		{in: "0", want: 0, str: "0.00"},
		{in: "100", want: 100_00, str: "100.00"},
		{in: "0.05", want: 5, str: "0.05"},
		{in: "100.01", wantErr: true},
		{in: "1.234", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParsePoints(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePoints(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got != tt.want || got.String() != tt.str {
			t.Errorf("ParsePoints(%q) = %d (%q), want %d (%q)", tt.in, got, got, tt.want, tt.str)
		}
	}
}

func TestWeighting(t *testing.T) {
	tests := []struct {
		in          string
		want        Weighting
		str         string
		needsReason bool
		wantErr     string
	}{
		{in: "20", want: 200, str: "20"},
		{in: "20%", want: 200, str: "20"},
		{in: " 12.5 % ", want: 125, str: "12.5", needsReason: false},
		{in: "10", want: 100, str: "10"},
		{in: "9.9", want: 99, str: "9.9", needsReason: true},
		{in: "0", want: 0, str: "0", needsReason: true},
		{in: "100", want: 1000, str: "100"},
		{in: "100.1", wantErr: "Enter a weighting no larger than 100%"},
		{in: "12.25", wantErr: "Enter a weighting with no more than 1 decimal place, like 12.5%"},
		{in: "-5", wantErr: "Enter a weighting of 0% or more"},
		{in: "%", wantErr: "Enter a weighting, like 20%"},
		{in: "20%%", wantErr: errDigits.Error()},
	}
	for _, tt := range tests {
		got, err := ParseWeighting(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseWeighting(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.str || got.NeedsReason() != tt.needsReason {
			t.Errorf("ParseWeighting(%q) = %d (%q, reason %v), %v; want %d (%q, reason %v)",
				tt.in, got, got, got.NeedsReason(), err, tt.want, tt.str, tt.needsReason)
		}
	}
}
