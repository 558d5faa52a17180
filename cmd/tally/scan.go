package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/tally-sv/tally/internal/scan"
)

// openScanner is the malware scanner CLAMD_ADDR names, or nil (no
// scanning) when it is empty. clamd not answering is not fatal: it may
// start after Tally (it loads its databases for a minute or so), and
// until it answers uploads are held as being checked, never passed
// unscanned. So it is only logged.
func openScanner(ctx context.Context, addr string, log *slog.Logger) (scan.Scanner, error) {
	if addr == "" {
		log.Info("malware scanning is off: set CLAMD_ADDR to scan evidence files with clamd")
		return nil, nil
	}
	c, err := scan.NewClamd(addr)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(pingCtx); err != nil {
		log.Warn("clamd does not answer yet: evidence uploads are held as being checked until it does", "clamd", c.String(), "error", err)
	} else {
		log.Info("scanning evidence files with clamd", "clamd", c.String())
	}
	return c, nil
}
