package tally

import (
	"math"
	"testing"
)

func TestParsePounds(t *testing.T) {
	tests := []struct {
		in      string
		want    Pence
		wantErr string
	}{
		{in: "1234", want: 123400},
		{in: "1,234.56", want: 123456},
		{in: "£1,234.5", want: 123450},
		{in: "  £ 12.30  ", want: 1230},
		{in: "0", want: 0},
		{in: ".5", want: 50},
		{in: "7.", want: 700},
		{in: "1.230", want: 123},
		{in: "00012", want: 1200},
		{in: "1,234,567.89", want: 123456789},
		{in: "100,000,000,000", want: MaxPence},
		{in: "", wantErr: "Enter an amount in pounds, like £1,234.56"},
		{in: "   ", wantErr: "Enter an amount in pounds, like £1,234.56"},
		{in: "£", wantErr: "Enter an amount in pounds, like £1,234.56"},
		{in: "-5", wantErr: "Enter an amount of £0 or more"},
		{in: "-£5", wantErr: "Enter an amount of £0 or more"},
		{in: "£-5", wantErr: "Enter an amount of £0 or more"},
		{in: "1.234", wantErr: "Enter an amount in pounds and pence, with no more than 2 decimal places, like £1,234.56"},
		{in: "abc", wantErr: errDigits.Error()},
		{in: "12abc", wantErr: errDigits.Error()},
		{in: "1.2.3", wantErr: errDigits.Error()},
		{in: ".", wantErr: errDigits.Error()},
		{in: "1e5", wantErr: errDigits.Error()},
		{in: "+5", wantErr: errDigits.Error()},
		{in: "12,5", wantErr: errCommas.Error()},
		{in: "1,2345", wantErr: errCommas.Error()},
		{in: ",123", wantErr: errCommas.Error()},
		{in: "1234,567", wantErr: errCommas.Error()},
		{in: "100,000,000,000.01", wantErr: "Enter an amount no larger than £100,000,000,000"},
		{in: "99999999999999999999999999", wantErr: "Enter an amount no larger than £100,000,000,000"},
	}
	for _, tt := range tests {
		got, err := ParsePounds(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParsePounds(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePounds(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestPenceFormat(t *testing.T) {
	tests := []struct {
		p             Pence
		str, inPounds string
	}{
		{0, "£0.00", "0.00"},
		{5, "£0.05", "0.05"},
		{123456, "£1,234.56", "1234.56"},
		{100000, "£1,000.00", "1000.00"},
		{12345678901, "£123,456,789.01", "123456789.01"},
		{-123456, "-£1,234.56", "-1234.56"},
		{math.MinInt64, "-£92,233,720,368,547,758.08", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.str {
			t.Errorf("Pence(%d).String() = %q, want %q", tt.p, got, tt.str)
		}
		if got := tt.p.Pounds(); got != tt.inPounds {
			t.Errorf("Pence(%d).Pounds() = %q, want %q", tt.p, got, tt.inPounds)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in      string
		want    Quantity
		wantErr string
	}{
		{in: "12", want: 12000},
		{in: "12.5", want: 12500},
		{in: "0.125", want: 125},
		{in: "1,000.125", want: 1000125},
		{in: " 3 ", want: 3000},
		{in: "2.5000", want: 2500},
		{in: "1,000,000,000,000", want: MaxQuantity},
		{in: "", wantErr: "Enter a quantity, like 12.5"},
		{in: "-1", wantErr: "Enter a quantity of 0 or more"},
		{in: "0.1255", wantErr: "Enter a number with no more than 3 decimal places, like 12.5"},
		{in: "£5", wantErr: errDigits.Error()},
		{in: "5 000", wantErr: errDigits.Error()},
		{in: "1000000000000.001", wantErr: "Enter a quantity no larger than 1,000,000,000,000"},
	}
	for _, tt := range tests {
		got, err := ParseQuantity(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseQuantity(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseQuantity(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestQuantityString(t *testing.T) {
	tests := []struct {
		q    Quantity
		want string
	}{
		{0, "0"},
		{12000, "12"},
		{12500, "12.5"},
		{125, "0.125"},
		{1000001, "1000.001"},
		{-1500, "-1.5"},
	}
	for _, tt := range tests {
		if got := tt.q.String(); got != tt.want {
			t.Errorf("Quantity(%d).String() = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestParseProxy(t *testing.T) {
	tests := []struct {
		in      string
		want    Proxy
		wantErr string
	}{
		{in: "25000", want: 250_000_000},
		{in: "£12.3456", want: 123456},
		{in: "0.0001", want: 1},
		{in: "10,000,000", want: MaxProxy},
		{in: "", wantErr: "Enter a value in pounds per unit, like 12.3456"},
		{in: "-0.5", wantErr: "Enter a value of £0 or more"},
		{in: "1.23456", wantErr: "Enter a value with no more than 4 decimal places, like 12.3456"},
		{in: "10000000.0001", wantErr: "Enter a value no larger than £10,000,000"},
		{in: "x", wantErr: errDigits.Error()},
	}
	for _, tt := range tests {
		got, err := ParseProxy(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseProxy(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseProxy(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestProxyString(t *testing.T) {
	tests := []struct {
		p    Proxy
		want string
	}{
		{0, "0"},
		{250_000_000, "25000"},
		{123456, "12.3456"},
		{123400, "12.34"},
		{1, "0.0001"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Proxy(%d).String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}
