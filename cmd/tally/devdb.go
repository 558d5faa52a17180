package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tally-sv/tally/internal/devdb"
)

// devdbCommand manages the private development cluster under .data/.
// `env` starts it if needed and prints shell exports for its URLs.
func devdbCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: tally devdb start|stop|reset|env")
	}
	dir, err := filepath.Abs(".data")
	if err != nil {
		return err
	}
	c := devdb.Cluster{Dir: dir, Log: os.Stderr}
	switch args[0] {
	case "start", "env":
		urls, err := c.Ensure(ctx)
		if err != nil {
			return err
		}
		if args[0] == "env" {
			key, err := c.SecretKey()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "export DATABASE_URL='%s'\nexport MIGRATE_DATABASE_URL='%s'\nexport TALLY_TEST_ADMIN_URL='%s'\n",
				urls.App, urls.Owner, urls.Admin)
			// Only when unset: a key the developer chose wins.
			fmt.Fprintf(stdout, "export SECRET_KEY=\"${SECRET_KEY:-%s}\"\n", key)
		}
		return nil
	case "stop":
		return c.Stop(ctx)
	case "reset":
		return c.Reset(ctx)
	}
	return fmt.Errorf("unknown devdb command %q", args[0])
}
