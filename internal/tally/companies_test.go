package tally

import "testing"

func TestValidCompanyNumber(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "01234567", want: "01234567"},
		{in: "1234567", want: "01234567"},
		{in: "42", want: "00000042"},
		{in: " 0123 4567 ", want: "01234567"},
		{in: "SC123456", want: "SC123456"},
		{in: "sc 123456", want: "SC123456"},
		{in: "ni012345", want: "NI012345"},
		{in: "OC301234", want: "OC301234"},
		{in: "R0000123", want: "R0000123"},
		{in: "FC012345", want: "FC012345"},
		{in: "", wantErr: true},
		{in: "00000000", wantErr: true},
		{in: "123456789", wantErr: true},
		{in: "SC12345", wantErr: true},
		{in: "SC1234567", wantErr: true},
		{in: "XX123456", wantErr: true},
		{in: "S1234567", wantErr: true},
		{in: "SC12345A", wantErr: true},
		{in: "-1234567", wantErr: true},
		{in: "１２３４５６７８", wantErr: true}, // full-width digits
	}
	for _, tt := range tests {
		got, err := ValidCompanyNumber(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ValidCompanyNumber(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
