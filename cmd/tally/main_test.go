package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// childServe, set in a child's environment, makes the test binary run
// `tally serve` (with the rest of that environment) instead of the tests:
// a server in its own process, whose memory a test can measure apart from
// its own. childPeak names a file where the child keeps the peak of the
// memory its Go runtime holds.
const (
	childServe = "TALLY_TEST_CHILD_SERVE"
	childPeak  = "TALLY_TEST_CHILD_PEAK"
)

func TestMain(m *testing.M) {
	if os.Getenv(childServe) != "" {
		if path := os.Getenv(childPeak); path != "" {
			go recordPeak(path)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, []string{"serve"}, os.Getenv, os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "tally:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// recordPeak samples, every 2 ms, the memory the runtime's soft limit
// (debug.SetMemoryLimit) governs: all the memory the Go runtime has mapped
// less the heap it has returned to the system. It writes each new peak, in
// bytes, to path.
func recordPeak(path string) {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var peak uint64
	for range time.Tick(2 * time.Millisecond) {
		metrics.Read(samples)
		if used := samples[0].Value.Uint64() - samples[1].Value.Uint64(); used > peak {
			peak = used
			os.WriteFile(path, []byte(strconv.FormatUint(peak, 10)), 0o600)
		}
	}
}
