package tally

import (
	"errors"
	"testing"
)

func TestLineValue(t *testing.T) {
	tests := []struct {
		name    string
		q       Quantity
		p       Proxy
		want    Pence
		wantErr error
	}{
		{name: "whole units", q: 2000, p: 250_000_000, want: 5_000_000}, // 2 FTE × £25,000
		{name: "zero quantity", q: 0, p: 250_000_000, want: 0},
		{name: "record-only measure", q: 12_500, p: 0, want: 0},
		{name: "half a penny rounds up", q: 1000, p: 50, want: 1},                 // 1 × £0.005
		{name: "just under half rounds down", q: 1000, p: 49, want: 0},            // 1 × £0.0049
		{name: "fractions of both", q: 12_345, p: 123_456, want: 15241},           // 12.345 × £12.3456 = £152.4064…
		{name: "half a penny from a thousandth", q: 1, p: 50_000, want: 1},        // 0.001 × £5
		{name: "largest exact value", q: 10_000_000, p: MaxProxy, want: MaxPence}, // 10,000 × £10m
		{name: "over £100bn", q: 10_000_001, p: MaxProxy, wantErr: ErrValueTooLarge},
		{name: "largest inputs", q: MaxQuantity, p: MaxProxy, wantErr: ErrValueTooLarge},
		{name: "negative", q: -1, p: 1, wantErr: errNegativeValue},
	}
	for _, tt := range tests {
		got, err := LineValue(tt.q, tt.p)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("%s: LineValue(%v, %v) = %v, %v; want %v, %v", tt.name, tt.q, tt.p, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestLineValueLargeExact(t *testing.T) {
	// Far beyond int64 before dividing: 99,999,999.999 × £999.9999 is
	// £99,999,989,999.0000001, just under the limit.
	got, err := LineValue(99_999_999_999, 9_999_999)
	if err != nil {
		t.Fatal(err)
	}
	if want := Pence(9_999_998_999_900); got != want {
		t.Errorf("LineValue = %v, want %v", got, want)
	}
	// 999,999,999.999 × £100.0001 is just over it.
	if _, err := LineValue(999_999_999_999, 1_000_001); !errors.Is(err, ErrValueTooLarge) {
		t.Errorf("LineValue over the limit: err = %v, want ErrValueTooLarge", err)
	}
}

func TestOfferValue(t *testing.T) {
	tests := []struct {
		name    string
		lines   []ValueLine
		want    Pence
		wantErr error
	}{
		{name: "no lines", want: 0},
		{name: "lines rounded before adding", lines: []ValueLine{
			{Quantity: 1000, Proxy: 50}, // 0.5p → 1p
			{Quantity: 1000, Proxy: 50}, // 0.5p → 1p
		}, want: 2},
		{name: "mixed with record-only", lines: []ValueLine{
			{Quantity: 2000, Proxy: 250_000_000},
			{Quantity: 500_000, Proxy: 0},
			{Quantity: 100_000, Proxy: 150_000}, // 100 hours × £15
		}, want: 5_150_000},
		{name: "total over the limit", lines: []ValueLine{
			{Quantity: 10_000_000, Proxy: MaxProxy},
			{Quantity: 1000, Proxy: 100},
		}, wantErr: ErrValueTooLarge},
	}
	for _, tt := range tests {
		got, err := OfferValue(tt.lines)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("%s: OfferValue = %v, %v; want %v, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		r       Ratio
		percent string
		defined bool
	}{
		{SocialValuePercent(250_000, 1_000_000), "25.0", true},
		{SocialValuePercent(0, 1_000_000), "0.0", true},
		{NewRatio(1, 3), "33.3", true},
		{NewRatio(2, 3), "66.7", true},
		{NewRatio(1, 2000), "0.1", true},   // 0.05% rounds half up
		{NewRatio(1, 2001), "0.0", true},   // 0.04997…%
		{NewRatio(-1, 2000), "-0.1", true}, // half away from zero
		{NewRatio(3, 2), "150.0", true},
		{NewRatio(5, 0), "0.0", false},
	}
	for _, tt := range tests {
		if got := tt.r.Percent1(); got != tt.percent {
			t.Errorf("%v.Percent1() = %q, want %q", tt.r, got, tt.percent)
		}
		if got := tt.r.Defined(); got != tt.defined {
			t.Errorf("%v.Defined() = %v, want %v", tt.r, got, tt.defined)
		}
	}
}

func TestRatioCmp(t *testing.T) {
	tests := []struct {
		a, b Ratio
		want int
	}{
		{NewRatio(1, 2), NewRatio(2, 4), 0},
		{NewRatio(1, 3), NewRatio(333, 1000), 1},
		{NewRatio(-1, -2), NewRatio(1, 2), 0},
		{NewRatio(1, -2), NewRatio(0, 1), -1},
		{NewRatio(9_223_372_036_854_775_807, 9_223_372_036_854_775_806), NewRatio(1, 1), 1},
		{NewRatio(1, 0), NewRatio(0, 5), 0},
	}
	for _, tt := range tests {
		if got := tt.a.Cmp(tt.b); got != tt.want {
			t.Errorf("%v.Cmp(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
