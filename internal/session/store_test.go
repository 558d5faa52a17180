package session

import (
	"testing"
	"time"
)

func TestIdleStoreExpiry(t *testing.T) {
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)
	deadline := now.Add(12 * time.Hour)
	tests := []struct {
		idle time.Duration
		want time.Time
	}{
		{30 * time.Minute, now.Add(30 * time.Minute)}, // idle comes first
		{24 * time.Hour, deadline},                    // the absolute deadline comes first
		{0, deadline},                                 // no idle timeout
	}
	for _, tt := range tests {
		if got := (IdleStore{Idle: tt.idle}).expiry(deadline, now); !got.Equal(tt.want) {
			t.Errorf("idle %v: expiry %v, want %v", tt.idle, got, tt.want)
		}
	}
}
